import Foundation
import TestSupport
import Testing
@testable import Rules

/// Mutated rule files through the whole loader: each ends in a rule set or in problems with
/// marks inside the file, never in a crash.
struct LoaderFuzzTests {
    @Test func mutatedRuleFilesNeverCrash() throws {
        let seeds = try Fixtures.sources("rules-md-example.yaml", in: "valid").map(\.text)
            + (try FileManager.default.contentsOfDirectory(atPath: Fixtures.root.appendingPathComponent("invalid").path)
                .filter { $0.hasSuffix(".yaml") }.sorted()
                .flatMap { try Fixtures.sources($0, in: "invalid").map(\.text) })
        let tokens = ["{{", "}}", "${", "*", "&a", "*a", "<<: ", "- ", ": ", "[", "]", "{", "}", "\n  ", "\t", "'", "\"", "#", "0x", "yes", "~", "@g.us", "-1", "99999999999999999999"]
        let budget = FuzzBudget("LoaderFuzzTests", cases: 2_000)
        var generator = budget.generator
        let loader = RuleLoader(environment: Fixtures.environment)
        var loaded = 0
        var rejected = 0
        for round in 0..<budget.cases {
            let source = TextMutation.mutate(seeds[round % seeds.count], tokens: tokens, using: &generator)
            let lineCount = source.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                _ = try loader.load([.init(name: "fuzz.yaml", text: source, directory: Fixtures.root.appendingPathComponent("invalid").path)])
                loaded += 1
            } catch {
                rejected += 1
                for problem in error.problems where problem.file == "fuzz.yaml" {
                    let mark = try #require(problem.mark)
                    #expect(mark.line >= 1 && mark.line <= lineCount + 1, "mark \(mark) outside \(lineCount) lines")
                    #expect(!problem.message.isEmpty)
                }
            }
        }
        #expect(loaded + rejected == budget.cases, "\(budget.replay)")
        #expect(rejected > 0)
    }
}
