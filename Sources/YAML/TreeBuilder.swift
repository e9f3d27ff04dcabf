import KubeAPI

/// Turns libyaml events into `YAMLNode` documents: anchors (reset per document), aliases under
/// a node budget, merge keys, duplicate-key refusal, scalar resolution, a nesting limit.
struct TreeBuilder {
    private let reader: EventReader
    private let source: String?
    private let limits: YAMLLimits

    /// An open collection waiting for its end event.
    private enum Frame {
        case sequence(items: [YAMLNode], anchor: String?, line: Int, column: Int)
        /// Entries in order of appearance; `pendingKey` holds a key until its value arrives.
        case mapping(entries: [(key: YAMLNode, value: YAMLNode)], pendingKey: YAMLNode?, anchor: String?, line: Int, column: Int)
    }

    private var anchors: [String: YAMLNode] = [:]
    private var stack: [Frame] = []
    private var budget = 0

    init(text: String, source: String?, limits: YAMLLimits) throws(YAMLError) {
        reader = try EventReader(text: text, source: source)
        self.source = source
        self.limits = limits
    }

    /// Every document, empty ones left out.
    mutating func documents() throws(YAMLError) -> [YAMLNode] {
        var result: [YAMLNode] = []
        var root: YAMLNode?
        var rootWasEmpty = false
        while true {
            let (event, line, column) = try reader.next()
            switch event {
            case .streamEnd:
                return result
            case .documentStart:
                anchors = [:]
                stack = []
                budget = 0
                root = nil
                rootWasEmpty = false
            case .documentEnd:
                if let root, !rootWasEmpty { result.append(root) }
            case .scalar(let text, let anchor, let tag, let plain):
                let value: JSONValue
                do { value = try ScalarResolver.resolve(text, tag: tag, plain: plain) } catch {
                    switch error {
                    case .tagMismatch(let message): throw fail(.tagMismatch, line, column, message)
                    }
                }
                // Kept apart from `value` so a merge key can be told from a quoted "<<".
                let isMerge = (tag == nil && plain && text == "<<") || tag == ScalarResolver.mergeTag
                var node = YAMLNode(content: .scalar(text: text, value: value), line: line, column: column, size: 1)
                node.isMergeKey = isMerge
                try count(node.size, line, column)
                if stack.isEmpty { rootWasEmpty = plain && tag == nil && text.isEmpty }
                if let anchor { anchors[anchor] = node }
                try complete(node, root: &root)
            case .alias(let name):
                guard var target = anchors[name] else { throw fail(.unknownAnchor, line, column, "unknown anchor '\(name)'") }
                try count(target.size, line, column)
                target.line = line
                target.column = column
                if stack.isEmpty { rootWasEmpty = false }
                try complete(target, root: &root)
            case .sequenceStart(let anchor, _):
                try open(.sequence(items: [], anchor: anchor, line: line, column: column), line, column)
            case .mappingStart(let anchor, _):
                try open(.mapping(entries: [], pendingKey: nil, anchor: anchor, line: line, column: column), line, column)
            case .sequenceEnd, .mappingEnd:
                guard let frame = stack.popLast() else { throw fail(.syntax, line, column, "unbalanced collection end") }
                let (node, anchor) = try close(frame)
                if stack.isEmpty { rootWasEmpty = false }
                if let anchor { anchors[anchor] = node }
                try complete(node, root: &root)
            }
        }
    }

    private mutating func open(_ frame: Frame, _ line: Int, _ column: Int) throws(YAMLError) {
        guard stack.count < limits.maxDepth else {
            throw fail(.depthExceeded, line, column, "nesting deeper than \(limits.maxDepth) levels")
        }
        try count(1, line, column)
        stack.append(frame)
    }

    private mutating func count(_ nodes: Int, _ line: Int, _ column: Int) throws(YAMLError) {
        budget += nodes
        guard budget <= limits.maxNodes else {
            throw fail(.aliasBudgetExceeded, line, column, "document expands to more than \(limits.maxNodes) nodes (alias expansion refused)")
        }
    }

    /// Hands a finished node to the collection that holds it, or makes it the document root.
    private mutating func complete(_ node: YAMLNode, root: inout YAMLNode?) throws(YAMLError) {
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(var items, let anchor, let line, let column):
            items.append(node)
            stack.append(.sequence(items: items, anchor: anchor, line: line, column: column))
        case .mapping(var entries, let pendingKey, let anchor, let line, let column):
            if let key = pendingKey {
                entries.append((key, node))
                stack.append(.mapping(entries: entries, pendingKey: nil, anchor: anchor, line: line, column: column))
            } else {
                stack.append(.mapping(entries: entries, pendingKey: node, anchor: anchor, line: line, column: column))
            }
        }
    }

    private func close(_ frame: Frame) throws(YAMLError) -> (YAMLNode, String?) {
        switch frame {
        case .sequence(let items, let anchor, let line, let column):
            let size = items.reduce(1) { $0 + $1.size }
            return (YAMLNode(content: .sequence(items), line: line, column: column, size: size), anchor)
        case .mapping(let entries, _, let anchor, let line, let column):
            var result: [String: YAMLNode] = [:]
            var merges: [YAMLNode] = []
            var size = 1
            for (key, value) in entries {
                guard case .scalar(let text, let keyValue) = key.content else {
                    throw fail(.nonScalarKey, key.line, key.column, "a mapping key must be a scalar, not a \(key.kindName)")
                }
                if key.isMergeKey {
                    merges.append(value)
                    continue
                }
                let name = ScalarResolver.keyString(text: text, value: keyValue)
                guard result[name] == nil else {
                    throw fail(.duplicateKey, key.line, key.column, "duplicate key \"\(name.prefix(80))\"")
                }
                result[name] = value
                size += key.size + value.size
            }
            // Explicit keys win; among merged mappings the earlier one wins.
            for merge in merges {
                for source in try mergeSources(merge) {
                    for (name, value) in source where result[name] == nil {
                        result[name] = value
                        size += 1 + value.size
                    }
                }
            }
            return (YAMLNode(content: .mapping(result), line: line, column: column, size: size), anchor)
        }
    }

    private func mergeSources(_ value: YAMLNode) throws(YAMLError) -> [[String: YAMLNode]] {
        if let mapping = value.mapping { return [mapping] }
        if let items = value.sequence {
            var sources: [[String: YAMLNode]] = []
            for item in items {
                guard let mapping = item.mapping else {
                    throw fail(.invalidMerge, item.line, item.column, "a merge key's list may hold only mappings, found a \(item.kindName)")
                }
                sources.append(mapping)
            }
            return sources
        }
        throw fail(.invalidMerge, value.line, value.column, "a merge key needs a mapping or a list of mappings, found a \(value.kindName)")
    }

    private func fail(_ kind: YAMLError.Kind, _ line: Int, _ column: Int, _ problem: String) -> YAMLError {
        YAMLError(kind: kind, source: source, line: line, column: column, problem: problem)
    }
}
