import Testing
@testable import YAML

struct ComposerTests {
    private func parse(_ text: String) throws -> Node {
        try #require(try YAMLParser().parse(text, file: "t.yaml"))
    }

    private func failure(_ text: String, limits: YAMLParser.Limits = .default) throws -> YAMLError {
        do {
            _ = try YAMLParser(limits: limits).parse(text, file: "t.yaml")
        } catch {
            return error
        }
        Issue.record("no error for \(text)")
        throw CancellationError()
    }

    @Test func marksAreOneBasedLineAndColumn() throws {
        let node = try parse("a: 1\nlist:\n  - x\n  - { k: v }\n")
        let mapping = try #require(node.mapping)
        #expect(mapping.mark == Mark(line: 1, column: 1))
        #expect(mapping.pairs[0].value.mark == Mark(line: 1, column: 4))
        let list = try #require(mapping["list"]?.sequence)
        #expect(list.mark == Mark(line: 3, column: 3))
        #expect(list.items[0].mark == Mark(line: 3, column: 5))
        #expect(list.items[1].mark == Mark(line: 4, column: 5))
        #expect(list.items[1].mapping?.isFlow == true)
        #expect(list.isFlow == false)
    }

    @Test func mappingsKeepSourceOrder() throws {
        let node = try parse("z: 1\na: 2\nm: 3\n")
        #expect(node.mapping?.pairs.compactMap { $0.key.scalar?.string } == ["z", "a", "m"])
    }

    @Test func equalityIgnoresMarks() throws {
        #expect(try parse("a: [1, 2]") == parse("\n\na:\n  - 1\n  - 2\n"))
        #expect(try parse("a: 1") != parse("a: '1'"))
    }

    @Test func aliasesCopyTheAnchoredNode() throws {
        let node = try parse("base: &b { x: 1, y: [a, b] }\ncopy: *b\nitem: &s hello\nagain: *s\n")
        let mapping = try #require(node.mapping)
        #expect(mapping["copy"] == mapping["base"])
        #expect(mapping["again"]?.scalar?.string == "hello")
    }

    @Test func mergeKeyAddsMissingKeysOnly() throws {
        let node = try parse("""
            defaults: &d { mode: audit, priority: 1 }
            rule:
              <<: *d
              priority: 5
              id: x
            """)
        let rule = try #require(node.mapping?["rule"]?.mapping)
        #expect(rule["mode"]?.scalar?.string == "audit")
        #expect(rule["priority"]?.scalar?.value == .int(5))
        #expect(rule["id"]?.scalar?.string == "x")
        #expect(rule.pairs.count == 3)
    }

    @Test func mergeOfAListPrefersEarlierSources() throws {
        let node = try parse("""
            a: &a { k: from-a, only-a: 1 }
            b: &b { k: from-b, only-b: 2 }
            c:
              <<: [*a, *b]
            """)
        let merged = try #require(node.mapping?["c"]?.mapping)
        #expect(merged["k"]?.scalar?.string == "from-a")
        #expect(merged["only-a"] != nil)
        #expect(merged["only-b"] != nil)
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        let node = try parse("'<<': x\n")
        #expect(node.mapping?["<<"]?.scalar?.string == "x")
    }

    @Test func mergeOfAScalarIsAnError() throws {
        let error = try failure("a:\n  <<: 5\n")
        #expect(error.isComposerError)
        #expect(error.message == "a merge key (<<) takes a mapping or a list of mappings; found the number 5")
        #expect(error.mark == Mark(line: 2, column: 7))
    }

    @Test func unknownAliasIsAnError() throws {
        let error = try failure("a: 1\nb: *nope\n")
        #expect(error.isComposerError)
        #expect(error.message == "unknown anchor \"nope\": define it with &nope before using *nope")
        #expect(error.mark == Mark(line: 2, column: 4))
    }

    @Test func recursiveAliasIsAnError() throws {
        let error = try failure("a: &x [1, *x]\n")
        #expect(error.isComposerError)
        #expect(error.message.hasPrefix("unknown anchor \"x\""))
    }

    @Test func duplicateKeyIsAnErrorAtTheSecondKey() throws {
        let error = try failure("id: a\nmode: audit\nid: b\n")
        #expect(error.isComposerError)
        #expect(error.message == "duplicate key \"id\"; it was first set at line 1")
        #expect(error.mark == Mark(line: 3, column: 1))
    }

    @Test func duplicateKeyComparesValuesNotSpelling() throws {
        let error = try failure("{1: a, 0x1: b}\n")
        #expect(error.message.hasPrefix("duplicate key"))
        // Text compares as Swift compares it: é composed and decomposed, the Kelvin sign and K.
        #expect(try failure("{\"caf\u{E9}\": a, \"cafe\u{301}\": b}\n").message.hasPrefix("duplicate key"))
        #expect(try failure("{\"\u{212A}\": a, x: c, K: b}\n").message.hasPrefix("duplicate key"))
        #expect(throws: Never.self) { try YAMLParser().parse("{caf\u{E9}: a, cafe: b, K: c}\n") }
    }

    /// Past 16 keys the duplicate check changes representation; it must find the same duplicates.
    @Test func duplicateKeyIsFoundInLargeMappings() throws {
        let keys = (1...30).map { "k\($0): \($0)\n" }.joined()
        let error = try failure(keys + "k7: again\n")
        #expect(error.message == "duplicate key \"k7\"; it was first set at line 7")
        #expect(error.mark == Mark(line: 31, column: 1))
        let numeric = try failure("{" + (1...20).map { "\($0): x" }.joined(separator: ", ") + ", 0x14: y}\n")
        #expect(numeric.message.hasPrefix("duplicate key"))
        // Quoted "1" is a string, plain 1 a number: different keys, in small and large mappings.
        #expect(throws: Never.self) { try YAMLParser().parse("{1: a, \"1\": b}\n") }
        #expect(throws: Never.self) { try YAMLParser().parse("{" + (1...20).map { "\($0): x" }.joined(separator: ", ") + ", \"1\": b}\n") }
    }

    /// Substitution skips collections the parser saw no `$` in; a `$` anywhere in a value below
    /// (an alias included) must mark every collection above it, and a `$` in a key must not.
    @Test func collectionsKnowWhetherAValueHoldsADollar() throws {
        let node = try parse("""
            plain: { a: [x, y], b: 1 }
            deep: { a: [x, { url: "http://${HOST}" }] }
            keyed: { "$k": v }
            base: &b [cost $5]
            copy: { c: *b }
            """)
        let mapping = try #require(node.mapping)
        #expect(mapping.valuesHoldDollar)
        #expect(mapping["plain"]?.mapping?.valuesHoldDollar == false)
        #expect(mapping["plain"]?.mapping?["a"]?.sequence?.valuesHoldDollar == false)
        #expect(mapping["deep"]?.mapping?.valuesHoldDollar == true)
        #expect(mapping["deep"]?.mapping?["a"]?.sequence?.valuesHoldDollar == true)
        #expect(mapping["keyed"]?.mapping?.valuesHoldDollar == false)
        #expect(mapping["copy"]?.mapping?.valuesHoldDollar == true)
        #expect(try parse("a: [1, 2]").mapping?.valuesHoldDollar == false)
    }

    @Test func secondDocumentIsAnError() throws {
        let error = try failure("a: 1\n---\nb: 2\n")
        #expect(error.isComposerError)
        #expect(error.mark == Mark(line: 2, column: 1))
        #expect(error.message == "a file holds one YAML document; found a second one here")
    }

    @Test func emptyInputHasNoDocument() throws {
        #expect(try YAMLParser().parse("") == nil)
        #expect(try YAMLParser().parse("# only a comment\n") == nil)
    }

    @Test func explicitDocumentMarkersAreFine() throws {
        #expect(try parse("---\na: 1\n...\n").mapping?["a"] != nil)
    }

    @Test func scalarsMayHoldNulBytesFromEscapes() throws {
        #expect(try parse("a: \"x\\0y\"\n").mapping?["a"]?.scalar?.string == "x\u{0}y")
    }

    @Test func sizeLimit() throws {
        let error = try failure(String(repeating: "a", count: 200), limits: .init(maxBytes: 100))
        #expect(error.isLimitError)
        #expect(error.message == "file is 200 bytes, over the limit of 100 bytes")
    }

    @Test func depthLimit() throws {
        let error = try failure(String(repeating: "[", count: 300) + String(repeating: "]", count: 300))
        #expect(error.isLimitError)
        #expect(error.message == "nesting is deeper than 256 levels")
    }

    @Test func aliasExpansionLimitStopsBillionLaughs() throws {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let error = try failure(text)
        #expect(error.isLimitError)
        #expect(error.message == "the document expands to more than 2000000 nodes (aliases included)")
    }
}
