/// A position in a source text: 1-based line and column (columns count characters, as libyaml does).
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: Mark, rhs: Mark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

extension Mark {
    /// The place of the byte at `offset` in UTF-8 `bytes` (the column counts characters: UTF-8
    /// continuation bytes are skipped), for errors found by byte offset.
    init<Bytes: RandomAccessCollection<UInt8>>(ofByte offset: Int, in bytes: Bytes) where Bytes.Index == Int {
        let end = min(max(offset, 0), bytes.count) + bytes.startIndex
        var line = 1
        var lineStart = bytes.startIndex
        for index in bytes.startIndex..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let column = bytes[lineStart..<end].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        self.init(line: line, column: column)
    }
}
