@testable import Rules
import Testing
import TestSupport
import WadialModels

/// `trimmingWhitespace` stops at visible ASCII at both ends without walking Characters: it must cut
/// what the Character walk cut, with Unicode spaces, marks and prepended characters at the ends.
struct TrimmingTests {
    @Test func trimmingCutsWhatTheCharacterWalkCut() {
        let seed: UInt64 = 0x7472_696d
        print("TrimmingTests seed \(seed)")
        var random = SeededGenerator(seed: seed)
        let pieces = ["a", "1", "#", " ", "\t", "\r\n", "\n", "\u{A0}", "\u{2003}", "\u{301}", "\u{600}", "é", "\u{85}", "~"]
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...10, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
            for (keepingNewlines, drop) in [(false, { (c: Character) in c.isWhitespace }), (true, { (c: Character) in c.isWhitespace && !c.isNewline })] {
                var expected = Substring(text)
                while let first = expected.first, drop(first) { expected = expected.dropFirst() }
                while let last = expected.last, drop(last) { expected = expected.dropLast() }
                #expect(text.trimmingWhitespace(keepingNewlines: keepingNewlines) == expected, "\(text.debugDescription)")
            }
        }
    }
}
