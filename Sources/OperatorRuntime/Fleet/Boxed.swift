/// A value behind a reference, for the values of large per-gateway dictionaries: a dictionary
/// keeps its values inline in a table up to twice its count, a box costs one pointer per slot.
/// Immutable: replace the box to change the value.
final class Boxed<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
