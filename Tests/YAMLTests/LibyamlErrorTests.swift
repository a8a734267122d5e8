import Testing
@testable import YAML

/// Each class of libyaml error surfaces with its mark, rendered like a compiler diagnostic.
struct LibyamlErrorTests {
    private func failure(_ text: String) throws -> YAMLError {
        do {
            _ = try YAMLParser().parse(text, file: "t.yaml")
        } catch {
            return error
        }
        Issue.record("no error for \(text)")
        throw CancellationError()
    }

    @Test func readerErrorOnInvalidUTF8() throws {
        let bytes = Array("a: ok\nb: x".utf8) + [0xFF, 0x0A]
        do {
            _ = try YAMLParser().parse(bytes: bytes, file: "t.yaml")
            Issue.record("no error")
        } catch {
            #expect(error.isReaderError)
            #expect(error.mark == Mark(line: 2, column: 5))
            #expect(error.message == "invalid leading UTF-8 octet")
        }
    }

    @Test func readerErrorOnControlCharacter() throws {
        let error = try failure("a: b\u{1}c\n")
        #expect(error.isReaderError)
        #expect(error.mark == Mark(line: 1, column: 5))
        #expect(error.message == "control characters are not allowed")
    }

    @Test func scannerErrorOnTabIndentation() throws {
        let error = try failure("a:\n\t- b\n")
        #expect(error.isScannerError)
        #expect(error.mark == Mark(line: 2, column: 1))
        // In plain words, libyaml's own beside it.
        #expect(error.message == "a tab character: YAML indents with spaces only; replace the tab with spaces")
        #expect(error.diagnostic.notes == ["libyaml: found character that cannot start any token (while scanning for the next token at 2:1)"])
    }

    @Test func scannerErrorOnUnterminatedQuote() throws {
        let error = try failure("a: \"open\nb: c\n")
        #expect(error.isScannerError)
        // At the quote that caused it, not at the end of the file where libyaml noticed.
        #expect(error.mark == Mark(line: 1, column: 4))
        #expect(error.message == "the \" here is never closed: close it on the same line (write \\\" for a quote inside the text)")
        #expect(error.diagnostic.notes == ["libyaml: found unexpected end of stream (while scanning a quoted scalar at 1:4)"])
    }

    @Test func parserErrorOnUnclosedFlowSequence() throws {
        let error = try failure("a: [1, 2\nb: c\n")
        #expect(error.isParserError)
        #expect(error.mark == Mark(line: 1, column: 4))
        #expect(error.message == "the [ here is never closed: close it with ] on the same line, or put a comma between its items")
    }

    @Test func parserErrorOnBadIndentation() throws {
        let error = try failure("rules:\n  - id: a\n groups: x\n")
        #expect(error.isParserError)
        #expect(error.mark == Mark(line: 3, column: 2))
        #expect(error.message == "`groups:` is indented 1 space, which lines up with no key above it: indent it 4 spaces, beside `id:`, or 0, beside `rules:`?")
    }

    @Test func renderedLikeACompiler() throws {
        let error = try failure("a: [1, 2\nb: c\n")
        #expect(error.description == """
            t.yaml:1:4: error: the [ here is never closed: close it with ] on the same line, or put a comma between its items
                a: [1, 2
                   ^
              libyaml: did not find expected ',' or ']' (while parsing a flow sequence at 1:4)
            """)
    }

    @Test func caretCountsCharactersNotBytes() throws {
        let error = try failure("ä: [ö, ü\nb: c\n")
        #expect(error.mark == Mark(line: 1, column: 4))
        let diagnostic = Diagnostic(file: "x", mark: Mark(line: 1, column: 4), message: "m", sourceLine: "äöü!")
        #expect(diagnostic.description == "x:1:4: error: m\n    äöü!\n       ^")
    }

    @Test func tabsInTheQuotedLineKeepTheCaretAligned() {
        let diagnostic = Diagnostic(file: "x", mark: Mark(line: 1, column: 3), message: "m", sourceLine: "\ta!")
        #expect(diagnostic.description == "x:1:3: error: m\n        a!\n         ^")
    }
}
