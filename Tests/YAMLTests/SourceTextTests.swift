import Testing
import YAML

/// Diagnostics quote the line they point at: lines are found by byte offsets, cut on demand.
struct SourceTextTests {
    @Test func quotesEachLine() {
        let source = SourceText(name: "f.yaml", text: "a: 1\nb: 2\n\nlast: no newline")
        #expect(source.line(1) == "a: 1")
        #expect(source.line(2) == "b: 2")
        #expect(source.line(3) == "")
        #expect(source.line(4) == "last: no newline")
        #expect(source.line(5) == nil)
        #expect(source.line(0) == nil)
    }

    @Test func aTrailingNewlineEndsTheLastLine() {
        let source = SourceText(name: "f.yaml", text: "a: 1\n")
        #expect(source.line(1) == "a: 1")
        #expect(source.line(2) == "")
        #expect(source.line(3) == nil)
    }

    @Test func dropsCarriageReturnsAndKeepsMultibyteText() {
        let source = SourceText(name: "f.yaml", text: "subject: Grüße 👋\r\nnext: x\r\n")
        #expect(source.line(1) == "subject: Grüße 👋")
        #expect(source.line(2) == "next: x")
    }

    @Test func cutsVeryLongLines() {
        let source = SourceText(name: "f.yaml", text: String(repeating: "x", count: 1_000) + "\nb")
        #expect(source.line(1)?.count == 300)
        #expect(source.line(2) == "b")
    }
}
