/// The product's version, in one place: `gateway-medic version`, the build-info metric, the
/// operator's Events and the User-Agent of its requests. The HTTP client knows no product: the
/// application hands it `userAgent`.
public enum GatewayMedicVersion {
    public static let current = "0.1.0"
    /// What `run` (followed by its identity), `check`, the demo and the benchmark send.
    public static var userAgent: String { "gateway-medic/\(current)" }
}
