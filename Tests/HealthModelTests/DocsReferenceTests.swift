import Foundation
import Testing
@testable import HealthModel

/// Acceptance 4: every section the corpus names exists in docs/health-model.md.
@Suite("Docs")
struct DocsReferenceTests {
    static func docs() throws -> String {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/health-model.md")
        return try String(contentsOf: docs, encoding: .utf8)
    }

    @Test func corpusSectionsExistInTheDocs() throws {
        let text = try Self.docs()
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

    /// Issue 18: each rule of the registry has its section, headed by its condition, naming
    /// every reason it declares, and the corpus asserts its condition.
    @Test func everyRuleHasItsSectionAndCorpusCases() throws {
        let text = try Self.docs()
        let asserted = Set((StateCorpus.all + ConditionCorpus.all + MalformedCorpus.all).flatMap(\.conditions.keys))
        for rule in HealthRules.standard.rules {
            let heading = "### \(rule.docSection) \(rule.condition)\n"
            guard let start = text.range(of: heading) else {
                Issue.record("docs lack the heading \(heading)")
                continue
            }
            let rest = text[start.upperBound...]
            let section = rest[..<(rest.range(of: "\n#")?.lowerBound ?? rest.endIndex)]
            for reason in rule.reasons {
                #expect(section.contains("`\(reason)`"), "\(rule.docSection) \(rule.condition) does not name \(reason)")
            }
            #expect(asserted.contains(rule.condition), "no corpus situation asserts \(rule.condition)")
        }
    }
}
