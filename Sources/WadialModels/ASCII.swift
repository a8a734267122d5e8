/// Byte-level checks for text that must be ASCII anyway (ids, JIDs, template markers): a
/// `Character` property costs hundreds of instructions a call, a byte compare one, and loading
/// ten thousand rules makes millions of them.
public enum ASCII {
    public static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    public static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    public static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }

    /// A printable ASCII character other than the space (`!` to `~`): not whitespace, and
    /// neither is a Character that starts or ends with one (trimming can stop at it).
    public static func isVisible(_ byte: UInt8) -> Bool { byte > UInt8(ascii: " ") && byte < 0x7F }
}

extension Substring {
    /// The first occurrence of the ASCII text `needle`, found by comparing bytes (Foundation's
    /// `range(of:)` and the stdlib's `firstRange(of:)` cost thousands of instructions a call).
    /// An ASCII byte in UTF-8 is always a whole scalar, so the bounds are valid indices.
    public func firstRange(ofASCII needle: StaticString) -> Range<Index>? {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let head = pattern.first else { return nil }
        let found: Int?? = utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            var offset = 0
            while offset + pattern.count <= bytes.count {
                if bytes[offset] == head, !zip(bytes[offset...], pattern).contains(where: { $0 != $1 }) { return offset }
                offset += 1
            }
            return nil
        }
        let offset: Int?
        if let found {
            offset = found
        } else {
            // Not contiguous (a bridged string): the same search over the view.
            let bytes = Array(utf8)
            offset = bytes.indices.first { start in
                start + pattern.count <= bytes.count && zip(bytes[start...], pattern).allSatisfy { $0 == $1 }
            }
        }
        guard let offset else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: offset)
        return lower..<utf8.index(lower, offsetBy: pattern.count)
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace (`Character.isWhitespace`); with
    /// `keepingNewlines`, only blanks (spaces, tabs: what Foundation's `.whitespaces` trims).
    /// Stdlib only (Foundation's `trimmingCharacters` costs thousands of instructions a call on
    /// Linux), and visible ASCII at both ends, the usual, settles it without a Character walk.
    public func trimmingWhitespace(keepingNewlines: Bool = false) -> Substring {
        var slice = Substring(self)
        if let first = slice.utf8.first, let last = slice.utf8.last, ASCII.isVisible(first), ASCII.isVisible(last) { return slice }
        let drop = { (character: Character) in character.isWhitespace && !(keepingNewlines && character.isNewline) }
        while let first = slice.first, drop(first) { slice = slice.dropFirst() }
        while let last = slice.last, drop(last) { slice = slice.dropLast() }
        return slice
    }
}
