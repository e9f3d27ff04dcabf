import Testing

@Test func HealthModelTestsPlaceholder() { #expect(Bool(true)) }
