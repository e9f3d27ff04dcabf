/// The keys a config file may hold, nested as in the file: the keys of the declared settings
/// (`OperatorConfig.settings`), optional ones included. A key is accepted exactly when a setting
/// declares it; there is no second list to keep in step.
public enum SettingKeys: Sendable, Equatable {
    /// A value, of the kind its setting declares.
    case value(ValueKind)
    /// A mapping in the file, and the keys it may hold.
    case section([String: SettingKeys])

    public enum ValueKind: Sendable, Equatable {
        case bool, number, wholeNumber, text, list
    }

    /// The tree of `settings`' dotted keys.
    init(settings: [Setting]) {
        var root = SettingKeys.section([:])
        for setting in settings {
            root.insert(setting.key.split(separator: ".").map(String.init)[...], kind: Self.kind(setting.kind))
        }
        self = root
    }

    private static func kind(_ kind: SettingKind) -> ValueKind {
        switch kind {
        case .bool: .bool
        case .number, .duration: .number
        case .wholeNumber: .wholeNumber
        case .text: .text
        case .list: .list
        }
    }

    private mutating func insert(_ path: ArraySlice<String>, kind: ValueKind) {
        guard let first = path.first, case .section(var children) = self else { return }
        if path.count == 1 {
            children[first] = .value(kind)
        } else {
            var child = children[first] ?? .section([:])
            child.insert(path.dropFirst(), kind: kind)
            children[first] = child
        }
        self = .section(children)
    }

    /// The keys of a section; nil for a value.
    public var children: [String: SettingKeys]? {
        if case .section(let keys) = self { return keys }
        return nil
    }

    /// What is at a dotted key (`tickets.webhook.url`); nil when no setting declares it.
    public subscript(dotted key: String) -> SettingKeys? {
        key.split(separator: ".").reduce(Optional(self)) { node, part in node?.children?[String(part)] }
    }

    /// Every value's dotted key (`tickets.webhook.url`), sorted.
    public var dottedKeys: [String] {
        guard let children else { return [] }
        return children.keys.sorted().flatMap { key -> [String] in
            guard let inner = children[key], inner.children != nil else { return [key] }
            return inner.dottedKeys.map { "\(key).\($0)" }
        }
    }
}
