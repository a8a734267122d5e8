/// A group's WhatsApp identity: `<digits>@g.us` (older groups: `<creator>-<timestamp>@g.us`).
public struct GroupJID: Sendable, Hashable, Comparable, TextCoded, CustomStringConvertible {
    public static let suffix = "@g.us"

    public let rawValue: String

    /// Nil unless `string` is a well-formed group JID.
    public init?(_ string: String) {
        guard string.hasSuffix(Self.suffix) else { return nil }
        let local = string.dropLast(Self.suffix.count)
        let parts = local.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.count <= 40 && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        rawValue = string
    }

    public static let expected = "a group JID"
    public var codedText: String { rawValue }

    public var description: String { rawValue }
    public static func < (lhs: GroupJID, rhs: GroupJID) -> Bool { lhs.rawValue < rhs.rawValue }
}
