import Foundation
import KubeAPI

/// Server-side printing: the `meta.k8s.io/v1` Table kubectl asks for on `kubectl get`.
enum TableRendering {
    /// Whether the Accept header asks for a Table.
    static func wantsTable(accept: String?) -> Bool {
        accept?.contains("as=Table") ?? false
    }

    static func table(for resource: RegisteredResource, items: [JSONValue], listMeta: ListMeta, includeObject: String?, now: Date) -> JSONValue {
        // Like the real server, events hide their (generated) names unless `-o wide`.
        let namePriority: Int64 = resource.type.group.isEmpty && resource.type.plural == "events" ? 1 : 0
        var columns: [JSONValue] = [[
            "name": "Name", "type": "string", "format": "name", "priority": .int(namePriority),
            "description": "Name must be unique within a namespace.",
        ]]
        for c in resource.printerColumns {
            columns.append([
                "name": .string(c.name), "type": .string(c.type == "date" ? "string" : c.type), "format": "",
                "priority": .int(Int64(c.priority)), "description": .string(c.description),
            ])
        }
        let rows: [JSONValue] = items.map { item in
            var cells: [JSONValue] = [item[path: "metadata", "name"] ?? .null]
            for c in resource.printerColumns { cells.append(cell(item, c, now: now)) }
            var row: JSONValue = ["cells": .array(cells)]
            switch includeObject ?? "Metadata" {
            case "None": break
            case "Object": row["object"] = item
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": item["metadata"] ?? [:]]
            }
            return row
        }
        var meta: JSONValue = ["resourceVersion": .string(listMeta.resourceVersion ?? "")]
        if let c = listMeta.continue { meta["continue"] = .string(c) }
        if let n = listMeta.remainingItemCount { meta["remainingItemCount"] = .int(n) }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": .array(columns), "rows": .array(rows)]
    }

    static func cell(_ item: JSONValue, _ column: PrinterColumn, now: Date) -> JSONValue {
        guard let value = evaluate(column.jsonPath, in: item), !value.isNull else {
            // Events written with only eventTime still show when they were seen.
            if column.name == "Last Seen", let t = item["eventTime"]?.stringValue, let d = KubeTime.parse(t) {
                return .string(age(now.timeIntervalSince(d)))
            }
            return .null
        }
        switch value {
        case .string(let s) where column.type == "date":
            guard let d = KubeTime.parse(s) else { return .string(s) }
            return .string(age(now.timeIntervalSince(d)))
        case .string, .int, .double, .bool: return value
        case .object(let o) where o["kind"] != nil && o["name"] != nil:
            return .string("\((o["kind"]?.stringValue ?? "").lowercased())/\(o["name"]?.stringValue ?? "")")
        default: return .string(String(decoding: value.serialized(), as: UTF8.self))
        }
    }

    /// `.a.b[0].c` paths, the subset CRD printer columns use.
    static func evaluate(_ path: String, in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        var token = ""
        func step() {
            guard !token.isEmpty else { return }
            if token.hasPrefix("["), token.hasSuffix("]"), let i = Int(token.dropFirst().dropLast()) {
                if let a = current?.arrayValue, a.indices.contains(i) { current = a[i] } else { current = nil }
            } else {
                current = current?[token]
            }
            token = ""
        }
        for c in path {
            if c == "." { step() } else if c == "[" { step(); token = "[" } else if c == "]" { token.append(c); step() } else { token.append(c) }
        }
        step()
        return current
    }

    /// The short age kubectl prints: 45s, 3m12s, 5h, 2d3h, 400d.
    static func age(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.down))
        if s < -1 { return "<invalid>" }
        if s < 0 { return "0s" }
        if s < 120 { return "\(s)s" }
        let m = s / 60, h = s / 3600, d = s / 86400
        if m < 10 { return s % 60 == 0 ? "\(m)m" : "\(m)m\(s % 60)s" }
        if h < 3 { return "\(m)m" }
        if h < 8 { return m % 60 == 0 ? "\(h)h" : "\(h)h\(m % 60)m" }
        if h < 48 { return "\(h)h" }
        if d < 8 { return h % 24 == 0 ? "\(d)d" : "\(d)d\(h % 24)h" }
        if d < 730 { return "\(d)d" }
        return "\(d / 365)y\(d % 365 == 0 ? "" : "\(d % 365)d")"
    }
}
