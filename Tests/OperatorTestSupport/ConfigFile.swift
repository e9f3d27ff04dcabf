import Foundation

/// A gateway-medic config file in a fresh temporary folder: its path.
package func configFile(_ text: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("config.yaml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
