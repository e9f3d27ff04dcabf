import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A GET on loopback: the status code and the body.
public func httpGet(_ url: String) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: try #require(URL(string: url)))
    request.timeoutInterval = 10
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? -1, String(decoding: data, as: UTF8.self))
}
