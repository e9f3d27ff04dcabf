import Testing

@Test func KubeEmulatorTestsPlaceholder() { #expect(Bool(true)) }
