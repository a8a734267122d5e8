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
            var text = Array(seeds[round % seeds.count])
            for _ in 0..<Int.random(in: 1...5, using: &generator) where !text.isEmpty {
                let index = Int.random(in: 0..<text.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: text.remove(at: index)
                case 1: text.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &generator)], at: index)
                default: text[index] = text[Int.random(in: 0..<text.count, using: &generator)]
                }
            }
            let source = String(text)
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
