import Foundation
import KubeAPI

public enum ConditionStatus: String, Sendable, Hashable, CaseIterable {
    case `true` = "True"
    case `false` = "False"
    case unknown = "Unknown"
}

/// Why a condition was refused; the message names the field and the rule.
public struct ConditionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var message: String
    public var description: String { "condition \(type.isEmpty ? "<empty type>" : type): \(message)" }
}

/// A list of metav1.Conditions (one per type) merged with apimachinery's `SetStatusCondition`
/// rules: a new condition gets lastTransitionTime = now; an existing one keeps it unless its
/// status changes; reason, message and observedGeneration are always overwritten. `set` says
/// whether anything changed, so the caller can skip a status write that would change nothing.
public struct ConditionSet: Sendable, Hashable {
    public private(set) var conditions: [Condition]

    public init(_ conditions: [Condition] = []) { self.conditions = conditions }

    public subscript(type: String) -> Condition? { conditions.first { $0.type == type } }

    public func isTrue(_ type: String) -> Bool { self[type]?.status == ConditionStatus.true.rawValue }

    /// Merges one condition; returns true when the list changed. Throws when the condition breaks
    /// metav1.Condition's validation (and then changes nothing).
    @discardableResult
    public mutating func set(type: String, status: ConditionStatus, reason: String, message: String,
                             observedGeneration: Int64? = nil, now: Date) throws(ConditionError) -> Bool {
        try Self.validate(type: type, reason: reason, message: message, observedGeneration: observedGeneration)
        guard let index = conditions.firstIndex(where: { $0.type == type }) else {
            conditions.append(Condition(type: type, status: status.rawValue, reason: reason, message: message,
                                        lastTransitionTime: KubeTime.format(now), observedGeneration: observedGeneration))
            return true
        }
        var condition = conditions[index]
        let before = condition
        if condition.status != status.rawValue {
            condition.status = status.rawValue
            condition.lastTransitionTime = KubeTime.format(now)
        }
        condition.reason = reason
        condition.message = message
        condition.observedGeneration = observedGeneration
        conditions[index] = condition
        return condition != before
    }

    /// Removes the condition of `type`; returns whether there was one.
    @discardableResult
    public mutating func remove(type: String) -> Bool {
        let count = conditions.count
        conditions.removeAll { $0.type == type }
        return conditions.count != count
    }

    // MARK: Validation (metav1.Condition's OpenAPI rules)

    public static func validate(type: String, reason: String, message: String,
                                observedGeneration: Int64?) throws(ConditionError) {
        if type.isEmpty || type.utf8.count > 316 {
            throw ConditionError(type: type, message: "type must be 1–316 characters")
        }
        if reason.isEmpty || reason.utf8.count > 1024 || !isValidReason(reason) {
            throw ConditionError(type: type, message: "reason \"\(reason.prefix(80))\" must be 1–1024 characters, "
                                 + "start with a letter, contain only letters, digits, '_', ',' or ':', and not end with ',' or ':'")
        }
        if message.utf8.count > 32768 {
            throw ConditionError(type: type, message: "message is \(message.utf8.count) bytes; at most 32768 are allowed")
        }
        if let observedGeneration, observedGeneration < 0 {
            throw ConditionError(type: type, message: "observedGeneration must not be negative (got \(observedGeneration))")
        }
    }

    /// `^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`, checked by hand.
    static func isValidReason(_ reason: String) -> Bool {
        let bytes = Array(reason.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        func letter(_ b: UInt8) -> Bool { (65...90).contains(b) || (97...122).contains(b) }
        func digit(_ b: UInt8) -> Bool { (48...57).contains(b) }
        guard letter(first) else { return false }
        guard bytes.allSatisfy({ letter($0) || digit($0) || $0 == 95 || $0 == 44 || $0 == 58 }) else { return false }
        return bytes.count == 1 || letter(last) || digit(last) || last == 95
    }
}
