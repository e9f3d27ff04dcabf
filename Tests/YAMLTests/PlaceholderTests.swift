import Testing

@Test func YAMLTestsPlaceholder() { #expect(Bool(true)) }
