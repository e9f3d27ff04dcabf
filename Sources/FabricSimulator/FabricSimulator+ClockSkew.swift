import Foundation

extension FabricSimulator {
    /// The gateway node's clock runs `seconds` behind the fabric's (negative: ahead) from now on:
    /// its heartbeats keep their schedule but are stamped that far in the past (or future).
    /// 0 puts the clock right again.
    public func setClockSkew(gateway: String, behind seconds: TimeInterval, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        currentTime = max(currentTime, now ?? currentTime)
        gateways[g].clockBehind = seconds
    }
}
