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
        guard let jid = UserJID(raw) else { throw .decoding("requester \"\(raw)\" is not a user JID") }
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
        let digits = field.split(separator: "@").first.map(String.init) ?? field
        if field.hasSuffix("@lid") { return nil }
        guard let number = PhoneNumber(digits), number.digits != jid.user else { return nil }
        return number
    }

    static func date(_ value: JSONValue) -> Date? {
        if let number = value.double {
            // Milliseconds once past the year 2286 in seconds.
            let seconds = number > 10_000_000_000 ? number / 1000 : number
            return seconds > 0 ? Date(timeIntervalSince1970: seconds) : nil
        }
        if let text = value.string {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text)
        }
        return nil
    }
}
