/// A phone number in international form, as digits only: `15551234567` for +1 555 123 4567.
public struct PhoneNumber: Sendable, Hashable, Comparable, TextCoded, CustomStringConvertible {
    /// E.164 allows at most 15 digits; fewer than 6 cannot be a real international number.
    public static let digitRange = 6...15

    public let digits: String

    /// Reads `+15551234567`, `0044 20 7946 0018`, `1-555-123-4567`: a leading `+` or `00` is the
    /// international prefix; spaces, hyphens, dots and parentheses are separators.
    public init?(_ text: String) {
        // ASCII digits only: their UTF-8 count is their count, without counting Characters.
        guard let digits = Self.normalizedDigits(text), Self.digitRange.contains(digits.utf8.count) else { return nil }
        self.digits = digits
    }

    init(uncheckedDigits digits: String) {
        self.digits = digits
    }

    /// The digits of `text` once the international prefix and separators are removed; nil when
    /// anything else (letters, a second `+`) is present or no digit is left.
    public static func normalizedDigits(_ text: String) -> String? {
        var body = text.trimmingWhitespace().utf8[...]
        if body.first == UInt8(ascii: "+") {
            body = body.dropFirst()
        } else if body.count >= 2, body.first == UInt8(ascii: "0"), body.dropFirst().first == UInt8(ascii: "0") {
            body = body.dropFirst(2)
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        for byte in body {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            default: return nil
            }
        }
        return digits.isEmpty ? nil : String(decoding: digits, as: UTF8.self)
    }

    public var description: String { "+" + digits }

    public static let expected = "a phone number"
    public var codedText: String { description }
    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.digits < rhs.digits }

    /// Compared byte by byte: both are ASCII digits, so this is `String.hasPrefix` without its
    /// Unicode-aware character walk.
    public func hasPrefix(_ prefix: String) -> Bool { digits.utf8.starts(with: prefix.utf8) }
}
