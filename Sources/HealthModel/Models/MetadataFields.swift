import Foundation
import KubeAPI

/// The metadata fields every view keeps. Read once at decode time so that views do not hold
/// `managedFields` (large, and only needed to find the time of the last spec change).
/// The metadata every view reads, from the tree (`MetadataFields`) or from bytes (`ScannedMetadata`,
/// in `ViewScanning`).
package protocol ObjectMetadata {
    var name: String { get }
    var namespace: String { get }
    var resourceVersion: String? { get }
    var uid: String? { get }
    var generation: Reading<Int64> { get }
    var creationTime: Date? { get }
    var specChangeTime: Date? { get }
    /// `uid` as a view keeps it (a byte reader gives it without making the string).
    var storedUID: StoredUID? { get }
}

extension ObjectMetadata {
    package var storedUID: StoredUID? { StoredUID(uid) }
}

struct MetadataFields: ObjectMetadata {
    var name: String
    var namespace: String
    var resourceVersion: String?
    var uid: String?
    var generation: Reading<Int64>
    var creationTime: Date?
    var deletionRequested: Bool
    var deletionTime: Date?
    var specChangeTime: Date?
    var ownerDaemonSet: String?

    init(_ json: JSONValue, _ reader: inout FieldReader) {
        name = reader.string(json, ["metadata", "name"]).value ?? ""
        if name.isEmpty { reader.note(["metadata", "name"], "missing name") }
        namespace = reader.string(json, ["metadata", "namespace"]).value ?? ""
        resourceVersion = reader.string(json, ["metadata", "resourceVersion"]).value
        uid = reader.string(json, ["metadata", "uid"]).value
        generation = reader.int(json, ["metadata", "generation"], nonNegative: true)
        creationTime = reader.time(json, ["metadata", "creationTimestamp"]).value
        let deletion = reader.time(json, ["metadata", "deletionTimestamp"])
        deletionRequested = !deletion.isAbsent
        deletionTime = deletion.value
        specChangeTime = Self.lastSpecChange(json, &reader)
        ownerDaemonSet = Self.daemonSetOwner(json, &reader)
    }

    /// hedgehog-facts "When did the current generation appear?": the managedFields entry without a
    /// subresource whose fieldsV1 owns `f:spec` carries the time of the last spec change.
    private static func lastSpecChange(_ json: JSONValue, _ reader: inout FieldReader) -> Date? {
        guard let entries = reader.array(json, ["metadata", "managedFields"]).value else { return nil }
        var latest: Date?
        for (index, entry) in entries.enumerated() {
            let path = ["metadata", "managedFields", String(index)]
            if let sub = entry["subresource"]?.stringValue, !sub.isEmpty { continue }
            guard entry[path: "fieldsV1", "f:spec"] != nil else { continue }
            guard let text = entry["time"]?.stringValue else { continue }
            guard let time = KubeTime.parse(text)?.wholeSeconds else {
                reader.note(path + ["time"], "not an RFC 3339 time: \"\(text.prefix(64))\"")
                continue
            }
            if latest.map({ time > $0 }) ?? true { latest = time }
        }
        return latest
    }

    private static func daemonSetOwner(_ json: JSONValue, _ reader: inout FieldReader) -> String? {
        guard let owners = reader.array(json, ["metadata", "ownerReferences"]).value else { return nil }
        for owner in owners where owner["kind"]?.stringValue == "DaemonSet" {
            if let name = owner["name"]?.stringValue { return name }
        }
        return nil
    }
}
