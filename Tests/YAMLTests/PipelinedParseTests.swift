import TestSupport
import Testing
@testable import YAML

/// Large files are parsed with libyaml on a thread of its own (EventPipe). Whatever the input,
/// valid or broken anywhere, the result must be the one a parse on one thread gives: the same
/// tree with the same marks, or the same error at the same place.
struct PipelinedParseTests {
    static let seed: UInt64 = 0x91BE_11AE

    private func parse(_ bytes: [UInt8], pipelined: Bool) -> Result<[String], YAMLError> {
        var parser = YAMLParser()
        parser.pipelineFrom = pipelined ? 0 : .max
        do {
            return .success(flatten(try parser.parse(bytes: bytes, file: "big.yaml")))
        } catch {
            return .failure(error)
        }
    }

    /// Every node as "line:column kind text", in document order: marks count, not just content.
    private func flatten(_ node: Node?) -> [String] {
        guard let node else { return ["none"] }
        var lines: [String] = []
        var stack = [node]
        while let next = stack.popLast() {
            switch next {
            case .scalar(let scalar): lines.append("\(scalar.mark) scalar \(scalar.string) \(scalar.style) \(scalar.tag ?? "")")
            case .sequence(let sequence):
                lines.append("\(sequence.mark) sequence \(sequence.items.count) \(sequence.isFlow)")
                stack += sequence.items.reversed()
            case .mapping(let mapping):
                lines.append("\(mapping.mark) mapping \(mapping.pairs.count) \(mapping.isFlow)")
                stack += mapping.pairs.reversed().flatMap { [$0.value, $0.key] }
            }
        }
        return lines
    }

    private func document(rules: Int, using generator: inout SeededGenerator) -> [UInt8] {
        var text = "version: 1\nbase: &b { mode: enforce, tags: [a, b] }\nrules:\n"
        for index in 0..<rules {
            text += "  - id: rule-\(index)\n    <<: *b\n    groups: [\"120363\(index)@g.us\", 'x']\n"
            text += "    then: [ { log: \"line \\u00e9 \(index)\" }, approve_requests ]\n    note: |\n      block \(index)\n"
        }
        var bytes = Array(text.utf8)
        // Break some: a byte changed, a duplicate key, a stray tab, a cut, at random places.
        switch Int.random(in: 0..<6, using: &generator) {
        case 0: break
        case 1: bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
        case 2: bytes.insert(contentsOf: Array("    id: again\n".utf8), at: insertionPoint(in: bytes, using: &generator))
        case 3: bytes.insert(UInt8(ascii: "\t"), at: Int.random(in: 0..<bytes.count, using: &generator))
        case 4: bytes.removeLast(Int.random(in: 1..<min(400, bytes.count), using: &generator))
        default: bytes.insert(contentsOf: Array("*nowhere ".utf8), at: insertionPoint(in: bytes, using: &generator))
        }
        return bytes
    }

    /// Just after a line break.
    private func insertionPoint(in bytes: [UInt8], using generator: inout SeededGenerator) -> Int {
        var index = Int.random(in: 0..<bytes.count, using: &generator)
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        return min(index + 1, bytes.count)
    }

    @Test func givesWhatAOneThreadParseGives() {
        print("PipelinedParseTests seed \(Self.seed)")
        var generator = SeededGenerator(seed: Self.seed)
        var failures = 0
        for round in 0..<24 {
            let bytes = document(rules: Int.random(in: 1...400, using: &generator), using: &generator)
            let one = parse(bytes, pipelined: false)
            let two = parse(bytes, pipelined: true)
            if case .failure = one { failures += 1 }
            switch (one, two) {
            case (.success(let a), .success(let b)): #expect(a == b, "round \(round)")
            case (.failure(let a), .failure(let b)): #expect(a == b, "round \(round)")
            default: Issue.record("round \(round): one parse failed and the other did not")
            }
        }
        #expect(failures > 4)  // the broken inputs are there
        #expect(failures < 24)
    }

    /// A large file is pipelined without being asked: the size the loader meets.
    @Test func largeFilesArePipelinedByDefault() throws {
        #expect(YAMLParser().pipelineFrom == YAMLParser.pipelineBytes)
        let text = "items:\n" + String(repeating: "  - { a: 1, b: [x, y] }\n", count: 4_000)
        #expect(text.utf8.count >= YAMLParser.pipelineBytes)
        let root = try #require(try YAMLParser().parse(text, file: "big.yaml"))
        #expect(root.mapping?["items"]?.sequence?.items.count == 4_000)
        // An error after many batches, and one in the first: reported as on one thread.
        #expect(throws: YAMLError.self) { try YAMLParser().parse(text + "items: again\n", file: "big.yaml") }
        #expect(throws: YAMLError.self) { try YAMLParser().parse("a: 1\na: 2\n" + text, file: "big.yaml") }
    }
}
