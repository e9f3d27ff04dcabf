import Testing

@Test func OperatorTestsPlaceholder() { #expect(Bool(true)) }
