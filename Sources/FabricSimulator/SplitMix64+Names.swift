import KubeEmulator

/// The names the simulation makes, from its seeded generator (pod suffixes, uids): a run with the
/// same seed replays identically.
extension SplitMix64 {
    /// Five characters from the alphabet Kubernetes uses for generated name suffixes
    /// (no vowels, no easily confused digits).
    mutating func podSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }

    /// A random UUID-shaped string (version 4 layout).
    mutating func uuid() -> String {
        let a = next(), b = next()
        func hex(_ v: UInt64, _ digits: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, digits - s.count)) + s
        }
        return "\(hex(a >> 32, 8))-\(hex((a >> 16) & 0xFFFF, 4))-4\(hex(a & 0xFFF, 3))-"
            + "\(hex(8 | (b >> 62), 1))\(hex((b >> 48) & 0xFFF, 3))-\(hex(b & 0xFFFF_FFFF_FFFF, 12))"
    }
}
