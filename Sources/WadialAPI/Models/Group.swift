import Foundation

/// A group as the API describes it. Fields the API did not send are nil.
public struct Group: Sendable, Hashable, Codable {
    public var jid: GroupJID
    public var subject: String?
    public var description: String?
    /// Member count: `size`, `participantCount`, or the length of `participants`.
    public var size: Int?
    public var participants: [Participant]?
    public var settings: GroupSettings

    public init(jid: GroupJID, subject: String? = nil, description: String? = nil, size: Int? = nil, participants: [Participant]? = nil, settings: GroupSettings = GroupSettings()) {
        self.jid = jid
        self.subject = subject
        self.description = description
        self.size = size ?? participants?.count
        self.participants = participants
        self.settings = settings
    }

    /// Reads the field variants listed in DESIGN.md: id as `jid`, `id` or `groupJid`; size as
    /// `size`, `participantCount` or the length of `participants`; subject as `subject` or `name`.
    public init(json: JSONValue) throws(WadialError) {
        guard let raw = json.first("jid", "id", "groupJid")?.string else {
            throw .decoding("group without jid, id or groupJid")
        }
        guard let jid = GroupJID(raw) else { throw .decoding("group id \"\(raw)\" is not a group JID") }
        let participants = json.first("participants")?.array.map { $0.compactMap(Participant.init(json:)) }
        self.init(
            jid: jid,
            subject: json.first("subject", "name")?.string,
            description: json.first("description", "desc")?.string,
            size: json.first("size", "participantCount", "participantsCount")?.int ?? participants?.count,
            participants: participants,
            settings: GroupSettings(json: json))
    }
}

public struct Participant: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        case member, admin, superadmin
    }

    public var jid: UserJID
    public var role: Role
    /// A phone number the API gave beside a `@lid` JID, if it is a real number.
    public var phoneNumber: PhoneNumber?

    public init(jid: UserJID, role: Role = .member, phoneNumber: PhoneNumber? = nil) {
        self.jid = jid
        self.role = role
        self.phoneNumber = phoneNumber ?? jid.phoneNumber
    }

    init?(json: JSONValue) {
        guard let raw = (json.first("jid", "id") ?? json).string, let jid = UserJID(raw) else { return nil }
        var role = Role.member
        if let text = json.first("role", "admin")?.string?.lowercased() {
            role = text == "superadmin" ? .superadmin : (text == "admin" ? .admin : .member)
        } else if json.first("isSuperAdmin")?.bool == true {
            role = .superadmin
        } else if json.first("isAdmin")?.bool == true {
            role = .admin
        }
        self.init(jid: jid, role: role, phoneNumber: MembershipRequest.phoneNumber(of: jid, field: json.first("phone_number", "phoneNumber", "pn")?.string))
    }
}

/// A group's settings as far as the API reported them.
public struct GroupSettings: Sendable, Hashable, Codable {
    public var announcement: Bool?
    public var locked: Bool?
    public var memberAddMode: MemberAddMode?
    public var memberLinkMode: MemberLinkMode?
    public var historySharing: HistorySharingMode?
    public var ephemeralSeconds: Int?

    public init(announcement: Bool? = nil, locked: Bool? = nil, memberAddMode: MemberAddMode? = nil, memberLinkMode: MemberLinkMode? = nil, historySharing: HistorySharingMode? = nil, ephemeralSeconds: Int? = nil) {
        self.announcement = announcement
        self.locked = locked
        self.memberAddMode = memberAddMode
        self.memberLinkMode = memberLinkMode
        self.historySharing = historySharing
        self.ephemeralSeconds = ephemeralSeconds
    }

    /// Announcement as `announce`, `announcement` or `isAnnounce`; locked as `restrict`, `locked`
    /// or `isLocked`; the modes by their API names; `ephemeralDuration` or `ephemeralDurationSeconds`.
    public init(json: JSONValue) {
        let source = json["settings"]?.object != nil ? json["settings"] ?? json : json
        func flag(_ keys: String...) -> Bool? {
            for key in keys { if let value = source[key]?.bool ?? json[key]?.bool { return value } }
            return nil
        }
        announcement = flag("announce", "announcement", "isAnnounce")
        locked = flag("restrict", "locked", "isLocked")
        memberAddMode = (source.first("memberAddMode") ?? json.first("memberAddMode"))?.string.flatMap(MemberAddMode.init(apiValue:))
        memberLinkMode = (source.first("memberLinkMode") ?? json.first("memberLinkMode"))?.string.flatMap(MemberLinkMode.init(apiValue:))
        historySharing = (source.first("memberShareGroupHistoryMode") ?? json.first("memberShareGroupHistoryMode"))?.string.flatMap(HistorySharingMode.init(apiValue:))
        ephemeralSeconds = (source.first("ephemeralDurationSeconds", "ephemeralDuration", "ephemeral") ?? json.first("ephemeralDurationSeconds", "ephemeralDuration"))?.int
    }
}

extension MemberAddMode {
    /// `admin_add`, or WhatsApp's spellings `ADMIN_ADD` / `adminAdd`.
    public init?(apiValue: String) { self.init(rawValue: normalizedMode(apiValue)) }
}

extension MemberLinkMode {
    public init?(apiValue: String) { self.init(rawValue: normalizedMode(apiValue)) }
}

extension HistorySharingMode {
    public init?(apiValue: String) { self.init(rawValue: normalizedMode(apiValue)) }
}

/// `ADMIN_ADD`, `adminAdd` and `admin_add` all become `admin_add`.
func normalizedMode(_ text: String) -> String {
    var result = ""
    for character in text {
        if character.isUppercase, !result.isEmpty, result.last != "_", text.contains(where: \.isLowercase) { result.append("_") }
        result.append(contentsOf: character.lowercased())
    }
    return result
}
