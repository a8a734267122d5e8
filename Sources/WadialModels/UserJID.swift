/// A person's WhatsApp identity.
///
/// `<digits>@s.whatsapp.net` carries the phone number; `<digits>@lid` is a privacy identity whose
/// digits are NOT a phone number and are never read as one.
public struct UserJID: Sendable, Hashable, Comparable, TextCoded, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// `@s.whatsapp.net` (or the legacy `@c.us`): the digits are the phone number.
        case phone
        /// `@lid`: an opaque identity.
        case lid
    }

    public let rawValue: String
    public let kind: Kind
    /// The digits before the `@` (and before a `:device` suffix).
    public let user: String

    public init?(_ string: String) {
        guard let at = string.lastIndex(of: "@") else { return nil }
        let server = string[string.index(after: at)...]
        switch server {
        case "s.whatsapp.net", "c.us": kind = .phone
        case "lid": kind = .lid
        default: return nil
        }
        var local = string[..<at]
        if let colon = local.firstIndex(of: ":") {
            let device = local[local.index(after: colon)...]
            guard !device.isEmpty, device.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            local = local[..<colon]
        }
        guard !local.isEmpty, local.count <= 40, local.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        rawValue = string
        user = String(local)
    }

    /// The JID of a phone number: `<digits>@s.whatsapp.net`.
    public init(phoneNumber: PhoneNumber) {
        rawValue = phoneNumber.digits + "@s.whatsapp.net"
        kind = .phone
        user = phoneNumber.digits
    }

    /// The phone number this JID itself proves; always nil for `@lid`.
    public var phoneNumber: PhoneNumber? {
        guard kind == .phone, PhoneNumber.digitRange.contains(user.count) else { return nil }
        return PhoneNumber(uncheckedDigits: user)
    }

    public static let expected = "a user JID"
    public var codedText: String { rawValue }

    public var description: String { rawValue }
    public static func < (lhs: UserJID, rhs: UserJID) -> Bool { lhs.rawValue < rhs.rawValue }
}
