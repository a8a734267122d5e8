import TestSupport
import Testing
@testable import YAML

/// Thousands of random and mutated inputs: the parser returns a tree or throws, and never crashes.
struct FuzzTests {
    static let seeds = [
        "version: 1\nrules:\n  - id: a\n    groups: [x]\n    trigger: { membership_requests: {} }\n    then: [approve_requests]\n",
        "a: &x {b: [1, 2, {c: d}]}\ne: *x\nf:\n  <<: *x\n  g: 'h'\n",
        "- \"quoted \\u00e9 \\x41\"\n- |\n  block\n  text\n- >-\n  folded\n- !!str 5\n- 0x1F\n- .inf\n",
        "? complex key\n: value\n[a, b]: c\n",
        "%YAML 1.1\n---\na: b\n...\n",
    ]

    @Test func randomBytesNeverCrash() {
        var generator = SeededGenerator(seed: 0x5EED)
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<200, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? YAMLParser().parse(bytes: bytes, file: "fuzz")
        }
    }

    @Test func yamlAlphabetNeverCrashes() {
        var generator = SeededGenerator(seed: 42)
        let alphabet = Array("ab01 -:?,[]{}&*!|>'\"#%@`\n\n\t<.~\\")
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<120, using: &generator)
            let text = String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            _ = try? YAMLParser().parse(text, file: "fuzz")
        }
    }

    @Test func mutatedSeedsNeverCrash() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<3000 {
            var bytes = Array(Self.seeds[Int.random(in: 0..<Self.seeds.count, using: &generator)].utf8)
            for _ in 0..<Int.random(in: 1...6, using: &generator) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &generator)], at: index)
                default: bytes.insert(contentsOf: bytes[index...].prefix(10), at: index)
                }
            }
            _ = try? YAMLParser().parse(bytes: bytes, file: "fuzz")
        }
    }

    @Test func hugeInputIsRefusedNotParsed() throws {
        let text = String(repeating: "- item\n", count: 1_300_000)  // about 9 MB
        #expect(throws: YAMLError.self) { try YAMLParser().parse(text, file: "big") }
    }
}
