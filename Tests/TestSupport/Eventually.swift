import Foundation

/// The one "poll until" of the tests: the first value `probe` gives, asking again every `interval`
/// until `seconds` of wall time pass (then nil). For effects of background tasks and other
/// processes that have no event to await; the deadline is a bound, not a synchronisation. The
/// bound is generous: the whole suite starts at once on two cores, and a trivial controller test
/// once needed more than 5 s to be scheduled.
public func eventuallyValue<T>(_ seconds: Double = 20, every interval: Duration = .milliseconds(2),
                               _ probe: () async throws -> T?) async rethrows -> T? {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if let value = try await probe() { return value }
        await Task.yield()
        try? await Task.sleep(for: interval)
    }
    return try await probe()
}

/// Whether `condition` comes to hold within `seconds` of wall time (see `eventuallyValue`).
public func eventually(_ seconds: Double = 20, every interval: Duration = .milliseconds(2),
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    try await eventuallyValue(seconds, every: interval) { try await condition() ? true : nil } ?? false
}
