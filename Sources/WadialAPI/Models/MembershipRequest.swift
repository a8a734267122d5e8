public import Foundation
public import WadialModels

/// A pending request to join a group.
public struct MembershipRequest: Sendable, Hashable, Codable {
    /// Exactly as the list returned it: approve and reject with this JID.
    public var jid: UserJID
    /// The requester's phone number when it is known: the digits of a `@s.whatsapp.net` JID, or
    /// for a `@lid` requester a phone field that is a real number different from the LID digits.
    public var phoneNumber: PhoneNumber?
    public var requestedAt: Date?
    public var method: String?

    /// For people (log lines, `plan`, the status page): the number with the JID beside it,
    /// `+15551234567 (15551234567@s.whatsapp.net)`, or `number unknown (…@lid)`.
    public var described: String {
        phoneNumber.map { "\($0) (\(jid.rawValue))" } ?? "number unknown (\(jid.rawValue))"
    }

    public init(jid: UserJID, phoneNumber: PhoneNumber? = nil, requestedAt: Date? = nil, method: String? = nil) {
        self.jid = jid
        self.phoneNumber = phoneNumber ?? jid.phoneNumber
        self.requestedAt = requestedAt
        self.method = method
    }

    /// `{jid, phone_number|phoneNumber|pn?, request_time|requestedAt?, request_method?}`; the time
    /// in seconds or milliseconds, as a number or a string, or an ISO 8601 string.
    public init(json: JSONValue) throws(WadialError) {
        guard let raw = (json.first("jid", "id", "requester") ?? json).string else {
            throw .decoding("membership request without jid")
        }
        // A requester is a person, not one of their devices: `…:12@s.whatsapp.net` is not acted on.
        guard let jid = UserJID(raw), !raw.contains(":") else {
            throw .decoding("requester \"\(TextEscaping.quoted(raw))\" is not a user JID (…@s.whatsapp.net or …@lid)")
        }
        let phone = json.first("phone_number", "phoneNumber", "pn")?.string
        self.init(
            jid: jid,
            phoneNumber: Self.phoneNumber(of: jid, field: phone),
            requestedAt: json.first("request_time", "requestedAt", "requestTime", "t").flatMap(Self.date),
            method: json.first("request_method", "requestMethod", "method")?.string)
    }

    /// The number a requester is known by, failing closed: a `@lid` identity's digits are never a
    /// phone number, and a phone field equal to them is the LID echoed back, not a number.
    public static func phoneNumber(of jid: UserJID, field: String?) -> PhoneNumber? {
        if let number = jid.phoneNumber { return number }
        guard let field else { return nil }
        var digits = field
        if field.contains("@") {
            // Only a phone JID carries a number: `…@lid`, `…@g.us` and the rest do not.
            guard let phoneJID = UserJID(field), let number = phoneJID.phoneNumber else { return nil }
            digits = number.digits
        }
        guard let number = PhoneNumber(digits), number.digits != jid.user else { return nil }
        return number
    }

    /// The request times read: from 2009 (WhatsApp's first year) to 2200. A time outside them
    /// (`1e22`, `inf`, a negative number) is unknown, as if the API had sent none.
    public static let plausibleTimes = Date(timeIntervalSince1970: 1_230_768_000)...Date(timeIntervalSince1970: 7_258_118_400)

    static func date(_ value: JSONValue) -> Date? {
        if let number = value.double {
            // Milliseconds once past the year 2286 in seconds.
            let seconds = number > 10_000_000_000 ? number / 1000 : number
            let date = Date(timeIntervalSince1970: seconds)
            return plausibleTimes.contains(date) ? date : nil
        }
        if let text = value.string {
            let formatter = ISO8601DateFormatter()
            guard text.utf8.count <= 64 else { return nil }
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text), plausibleTimes.contains(date) { return date }
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text).flatMap { plausibleTimes.contains($0) ? $0 : nil }
        }
        return nil
    }
}
