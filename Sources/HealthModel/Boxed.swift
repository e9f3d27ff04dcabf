/// A value behind a reference, for values kept per gateway that are large inline and usually
/// absent or shared: a dictionary keeps its values inline in a table up to twice its count, a box
/// costs one pointer per slot (the remediation coordinator's members, and the remediation record
/// inside each, which is empty for almost every gateway). Immutable: replace the box to change
/// the value.
package final class Boxed<Value: Sendable>: Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
