import KubeAPI

extension KubeClient {
    /// List items larger than `maxObjectBytes` replaced by their `UnreadableObject` stubs, the
    /// same treatment an oversized watch event gets, so a relist and a watch agree.
    func stubOversizedItems(_ items: [JSONValue], path: String) -> [JSONValue] {
        let limit = options.maxObjectBytes
        return items.map { item in
            let size = item.encodedSize(stoppingAfter: limit)
            guard size > limit else { return item }
            let reason = "list item of more than \(limit) bytes exceeds the client's \(limit)-byte limit; the object was not read"
            guard let stub = UnreadableObject.stub(of: item, reason: reason) else { return item }
            logger.error("list item over the size limit replaced by a stub", metadata: [
                "path": "\(path)", "limit": "\(limit)",
                "object": "\(item[path: "metadata", "namespace"]?.stringValue ?? "")/\(item[path: "metadata", "name"]?.stringValue ?? "")"])
            return stub
        }
    }
}

extension KubeClient {
    /// List items that lost values nested too deep, marked as an oversized watch event would be.
    func markPartialItems(_ items: [JSONValue], path: String) -> [JSONValue] {
        items.map { item in
            guard UnreadableObject.containsDroppedValue(item) else { return item }
            logger.error("list item nested too deep read in part", metadata: [
                "path": "\(path)", "object": "\(item[path: "metadata", "namespace"]?.stringValue ?? "")/\(item[path: "metadata", "name"]?.stringValue ?? "")"])
            return UnreadableObject.markPartial(item, reason: "values nested deeper than \(JSONValue.maximumDepth) levels were dropped by the client")
        }
    }
}

extension JSONValue {
    /// About the number of bytes of this value's compact JSON (strings counted without
    /// escapes), counting stops once past `limit`.
    func encodedSize(stoppingAfter limit: Int) -> Int {
        var total = 0
        accumulateSize(&total, limit)
        return total
    }

    private func accumulateSize(_ total: inout Int, _ limit: Int) {
        guard total <= limit else { return }
        switch self {
        case .null, .bool: total += 5
        case .int, .double: total += 20
        case .string(let s): total += s.utf8.count + 2
        case .array(let items):
            total += 2 + items.count
            for item in items where total <= limit { item.accumulateSize(&total, limit) }
        case .object(let fields):
            total += 2 + fields.count * 2
            for (key, value) in fields where total <= limit {
                total += key.utf8.count + 2
                value.accumulateSize(&total, limit)
            }
        }
    }
}
