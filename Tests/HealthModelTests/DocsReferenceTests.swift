import Foundation
import Testing

/// Acceptance 4: every section the corpus names exists in docs/health-model.md.
@Suite("Docs")
struct DocsReferenceTests {
    @Test func corpusSectionsExistInTheDocs() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/health-model.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let names = (StateCorpus.all + ConditionCorpus.all + MalformedCorpus.all).map(\.name)
        var sections = Set<String>()
        for name in names {
            for match in name.matches(of: /§(\d+(?:\.\d+)?)/) { sections.insert(String(match.1)) }
        }
        #expect(!sections.isEmpty)
        for section in sections.sorted() {
            #expect(text.contains("§\(section) "), "docs lack §\(section)")
        }
        for name in names { #expect(name.hasPrefix("§"), "corpus case without a section: \(name)") }
    }
}
