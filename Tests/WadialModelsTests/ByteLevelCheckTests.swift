import Testing
import TestSupport
import WadialModels

/// The byte-level checks that replaced Character-level ones on the loading path, run against the
/// Character-level definitions they replaced, on seeded random text full of near misses.
struct ByteLevelCheckTests {
    static let seed: UInt64 = 0x6a69_6473

    /// What `GroupJID.init?` accepted before it compared bytes.
    static func referenceJID(_ string: String) -> Bool {
        guard string.hasSuffix(GroupJID.suffix) else { return false }
        let parts = string.dropLast(GroupJID.suffix.count).split(separator: "-", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 40 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    @Test func groupJIDsAreReadAsTheCharacterDefinitionReadThem() {
        print("ByteLevelCheckTests seed \(Self.seed)")
        var random = SeededGenerator(seed: Self.seed)
        let pieces = ["1", "2", "0", "9", "-", "--", "@g.us", "@g.u", "@s.whatsapp.net", "٣", "１", "a", " ", "\u{301}", "", String(repeating: "7", count: 40)]
        var accepted = 0
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...6, using: &random)
            var text = (0..<count).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
            if Bool.random(using: &random) { text += "@g.us" }
            let reference = Self.referenceJID(text)
            #expect((GroupJID(text) != nil) == reference, "\(text.debugDescription)")
            if reference { accepted += 1 }
        }
        #expect(accepted > 100)  // the generator reaches the accepting side too
        #expect(GroupJID("120363000000000001@g.us") != nil)
        #expect(GroupJID("15551234567-1600000000@g.us") != nil)
        #expect(GroupJID(String(repeating: "1", count: 41) + "@g.us") == nil)
        #expect(GroupJID("-1@g.us") == nil)
        #expect(GroupJID("1-@g.us") == nil)
        #expect(GroupJID("1-2-3@g.us") == nil)
    }

    /// Trimming stops at visible ASCII without a Character walk: the numbers must be those the
    /// Character-level trim gave, with Unicode spaces, marks and prepended characters at the ends.
    @Test func phoneNumbersAreTrimmedAsCharactersTrimmedThem() {
        var random = SeededGenerator(seed: Self.seed)
        let pieces = ["1", "5", "0", "+", "00", " ", "\t", "\r", "\u{A0}", "\u{2003}", "\u{301}", "\u{600}", "-", "a", "\u{85}"]
        var numbers = 0
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...12, using: &random)
            let text = (0..<count).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
            var trimmed = Substring(text)
            while let first = trimmed.first, first.isWhitespace { trimmed = trimmed.dropFirst() }
            while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
            let expected = PhoneNumber.normalizedDigits(String(trimmed))
            #expect(PhoneNumber.normalizedDigits(text) == expected, "\(text.debugDescription)")
            if expected != nil { numbers += 1 }
        }
        #expect(numbers > 100)
    }

    @Test func asciiSearchFindsWhatTheStandardLibraryFinds() {
        var random = SeededGenerator(seed: Self.seed)
        let pieces = ["{", "}", "{{", "}}}", "a", "é", "e\u{301}", "😀", "{\u{301}", " ", "ж"]
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...8, using: &random)
            let text = (0..<count).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
            let slice = text.dropFirst(Int.random(in: 0...1, using: &random))
            for needle: StaticString in ["{{", "}}}", "}}"] {
                let expected = slice.utf8.firstRange(of: Array("\(needle)".utf8))
                let found = slice.firstRange(ofASCII: needle)
                #expect(found == expected, "\(String(slice).debugDescription) \(needle)")
            }
        }
    }
}
