/// The fields of a view, behind one reference. A view of a watched object is held by the
/// informer's cache, the fleet index, each evaluation's inputs and the remediation coordinator;
/// inline, a view is a few hundred bytes per copy, behind a reference it is one pointer, and
/// equal views are usually the same box (`==` checks identity first). Immutable: a new object
/// makes a new view.
final class SharedFields<Fields: Sendable & Equatable>: Sendable {
    let fields: Fields
    init(_ fields: Fields) { self.fields = fields }

    static func same(_ a: SharedFields, _ b: SharedFields) -> Bool { a === b || a.fields == b.fields }
}
