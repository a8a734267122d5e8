import Testing
import YAML

/// `countEvents` is the benchmarks' floor: libyaml alone. It must see the same events the parser
/// composes from, and fail where the parser fails.
struct EventFloorTests {
    @Test func countsEveryEvent() {
        // stream start, document start, mapping start, a, 1, b, sequence start, x, y, sequence end,
        // mapping end, document end, stream end
        #expect(YAMLParser.countEvents(in: Array("a: 1\nb: [x, y]\n".utf8)) == 13)
    }

    @Test func emptyInputIsAStreamWithoutDocuments() {
        #expect(YAMLParser.countEvents(in: []) == 2)
    }

    @Test func aSyntaxErrorIsNil() {
        #expect(YAMLParser.countEvents(in: Array("a: [1, 2\nb: c\n".utf8)) == nil)
        #expect(YAMLParser.countEvents(in: Array("a: ok\n".utf8) + [0xFF]) == nil)
    }
}
