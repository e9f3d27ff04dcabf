import Testing

@Test func remediationPlaceholder() { #expect(Bool(true)) }
