/// A group's WhatsApp identity: `<digits>@g.us` (older groups: `<creator>-<timestamp>@g.us`).
public struct GroupJID: Sendable, Hashable, Comparable, TextCoded, CustomStringConvertible {
    public static let suffix = "@g.us"

    public let rawValue: String

    /// Nil unless `string` is a well-formed group JID.
    public init?(_ string: String) {
        // By bytes: one or two runs of 1 to 40 ASCII digits joined by "-", then "@g.us".
        guard string.hasSuffix(Self.suffix) else { return nil }
        var parts = 1
        var run = 0
        for byte in string.utf8.dropLast(Self.suffix.utf8.count) {
            if ASCII.isDigit(byte) {
                run += 1
                guard run <= 40 else { return nil }
            } else if byte == UInt8(ascii: "-"), run > 0, parts == 1 {
                parts = 2
                run = 0
            } else {
                return nil
            }
        }
        guard run > 0 else { return nil }
        rawValue = string
    }

    public static let expected = "a group JID"
    public var codedText: String { rawValue }

    public var description: String { rawValue }
    public static func < (lhs: GroupJID, rhs: GroupJID) -> Bool { lhs.rawValue < rhs.rawValue }
}
