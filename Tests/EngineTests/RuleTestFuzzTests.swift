import Foundation
import RuleTesting
import TestSupport
import Testing

/// Mutated rule tests (the example rules' own tests, damaged), run for real: each passes, fails
/// with a report, or is refused with diagnostics; none traps or hangs.
struct RuleTestFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tokens = ["{", "}", "[", "]", ": ", "- ", "\n  ", "advance: 999999999999999999d", "9223372036854775807", "1e300",
                         "@g.us", "@lid", "@bot", "~", "'", "\"", "#", "\t", "36501d", "0s", "${WADIAL_API_KEY}", "add_requests: "]

    @Test func mutatedRuleTestsNeverTrap() async throws {
        let budget = FuzzBudget("RuleTestFuzzTests", cases: 200)
        var generator = budget.generator
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-fuzz-\(UUID().uuidString)")
        let rules = folder.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules.appendingPathComponent("tests"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Self.repository.appendingPathComponent("rules")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where !name.hasPrefix(".") && name != "tests" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: rules.appendingPathComponent(name))
        }
        let tests = try FileManager.default.contentsOfDirectory(atPath: source.appendingPathComponent("tests").path).sorted()
            .map { try String(contentsOf: source.appendingPathComponent("tests").appendingPathComponent($0), encoding: .utf8) }
        var passed = 0
        for round in 0..<budget.cases {
            let text = TextMutation.mutate(tests[round % tests.count], tokens: Self.tokens, edits: 4, using: &generator)
            let path = rules.appendingPathComponent("tests/fuzz.test.yaml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let outcome = await RuleTestRunner().run(path: path)
            #expect(!outcome.report.isEmpty, "\(budget.replay)")
            if outcome.passed { passed += 1 }
        }
        #expect(passed > 0, "no mutated test ran to a pass: the copies of the rules are broken (\(budget.replay))")
    }
}
