import Foundation
import Sandbox
import TestSupport
import Testing

/// Mutated world files: each loads or is refused with diagnostics, never a trap.
struct WorldFileFuzzTests {
    static let tokens = ["{", "}", "[", "]", ": ", "- ", "\n    ", "999999999999999999d", "9223372036854775807", "-9223372036854775808",
                         "1e300", "@g.us", "@lid", "@bot", "~", "*a", "&a ", "yes", "'", "\"", "#", "\t", "\\e", "36501d", "0s"]

    @Test func mutatedWorldFilesNeverTrap() {
        let budget = FuzzBudget("WorldFileFuzzTests", cases: 1_500)
        var generator = budget.generator
        let seeds = [WorldFileTests.text]
        var loaded = 0
        for round in 0..<budget.cases {
            let text = TextMutation.mutate(seeds[round % seeds.count], tokens: Self.tokens, edits: 6, using: &generator)
            do {
                let file = try WorldFile.parse(text)
                _ = file.world()
                loaded += 1
            } catch {
                #expect(!"\(error)".isEmpty, "\(budget.replay)")
            }
        }
        #expect(loaded > 0, "no mutation loaded at all: the seed text is broken (\(budget.replay))")
    }
}
