/// SplitMix64: a small, fast generator whose whole sequence follows from its seed, so a
/// simulation replays identically (pod suffixes, start jitter, traffic rates).
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

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
