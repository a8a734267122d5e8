import Foundation
public import WadialModels

/// A group as the API describes it. Fields the API did not send are nil.
public struct Group: Sendable, Hashable, Codable {
    public var jid: GroupJID
    public var subject: String?

    /// For log lines: the subject, or the JID when there is none.
    public var name: String { subject.flatMap { $0.isEmpty ? nil : $0 } ?? jid.rawValue }

    public var description: String?
    /// Member count: `size`, `participantCount`, or the length of `participants`.
    public var size: Int?
    public var participants: [Participant]?
    public var settings: GroupSettings
    /// Ordinary group, community parent or community announcement group (ordinary unless the
    /// listing says otherwise).
    public var kind: GroupKind
    /// The community an ordinary group or announcement group belongs to, when the API says.
    public var linkedParent: GroupJID?

    public init(jid: GroupJID, subject: String? = nil, description: String? = nil, size: Int? = nil, participants: [Participant]? = nil, settings: GroupSettings = GroupSettings(),
                kind: GroupKind = .group, linkedParent: GroupJID? = nil) {
        self.jid = jid
        self.kind = kind
        self.linkedParent = linkedParent
        self.subject = subject
        self.description = description
        self.size = size ?? participants?.count
        self.participants = participants
        self.settings = settings
    }

    /// Reads the field variants the README lists ("The API client"): id as `jid`, `id` or `groupJid`; size as
    /// `size`, `participantCount` or the length of `participants`; subject as `subject` or `name`.
    public init(json: JSONValue) throws(WadialError) {
        var skipped: [SkippedEntry] = []
        try self.init(json: json, skipped: &skipped)
    }

    /// As `init(json:)`, adding the participants that could not be read to `skipped`.
    public init(json: JSONValue, skipped: inout [SkippedEntry]) throws(WadialError) {
        guard let raw = json.first("jid", "id", "groupJid")?.string else {
            throw .decoding("group without jid, id or groupJid")
        }
        guard let jid = GroupJID(raw) else {
            throw .decoding("group id \"\(TextEscaping.quoted(raw))\" is not a group JID (digits@g.us)")
        }
        var participants: [Participant]?
        if let items = json.first("participants")?.array {
            participants = []
            for item in items {
                if let participant = Participant(json: item) {
                    participants?.append(participant)
                } else {
                    skipped.append(SkippedEntry(list: "participants", group: jid, entry: item, reason: "not a user JID"))
                }
            }
        }
        self.init(
            jid: jid,
            subject: json.first("subject", "name")?.string,
            description: json.first("description", "desc")?.string,
            // A negative count is no count.
            size: json.first("size", "participantCount", "participantsCount")?.int.flatMap { $0 >= 0 ? $0 : nil } ?? participants?.count,
            participants: participants,
            settings: GroupSettings(json: json),
            kind: Self.kind(json),
            linkedParent: json.first("linkedParent", "linkedParentJid", "parentGroup")?.string.flatMap(GroupJID.init))
    }

    /// `isCommunity` true: a community's parent; `isCommunityAnnounce` true: its announcement
    /// group; anything else (absent, false, of another shape): an ordinary group. Booleans may
    /// come as `true`/`false` or as the strings "true"/"false".
    static func kind(_ json: JSONValue) -> GroupKind {
        func flag(_ names: String...) -> Bool {
            for name in names {
                switch json[name] {
                case .bool(let value)?: return value
                case .string(let text)? where text.lowercased() == "true": return true
                default: continue
                }
            }
            return false
        }
        if flag("isCommunityAnnounce", "isCommunityAnnouncement") { return .announcements }
        if flag("isCommunity", "isParentGroup") { return .community }
        return .group
    }

    /// Stored copies written before kinds existed read as ordinary groups.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            jid: try container.decode(GroupJID.self, forKey: .jid),
            subject: try container.decodeIfPresent(String.self, forKey: .subject),
            description: try container.decodeIfPresent(String.self, forKey: .description),
            size: try container.decodeIfPresent(Int.self, forKey: .size),
            participants: try container.decodeIfPresent([Participant].self, forKey: .participants),
            settings: try container.decodeIfPresent(GroupSettings.self, forKey: .settings) ?? GroupSettings(),
            kind: try container.decodeIfPresent(GroupKind.self, forKey: .kind) ?? .group,
            linkedParent: try container.decodeIfPresent(GroupJID.self, forKey: .linkedParent))
    }
}

public struct Participant: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        case member, admin, superadmin
    }

    public var jid: UserJID
    public var role: Role
    /// Whether the API said the role: false for a bare JID or a role word it does not use, which
    /// then reads as `member` but says nothing of the account's rights.
    public var roleKnown: Bool
    /// A phone number the API gave beside a `@lid` JID, if it is a real number.
    public var phoneNumber: PhoneNumber?

    public init(jid: UserJID, role: Role = .member, phoneNumber: PhoneNumber? = nil, roleKnown: Bool = true) {
        self.jid = jid
        self.role = role
        self.roleKnown = roleKnown
        self.phoneNumber = phoneNumber ?? jid.phoneNumber
    }

    /// `{id|jid, admin|role}` with `"superadmin"`, `"admin"`, `"member"` or null (a member), `admin`
    /// as a boolean, or `isSuperAdmin`/`isAdmin`; a bare JID string or an unknown role word
    /// leaves the role unknown.
    init?(json: JSONValue) {
        guard let raw = (json.first("jid", "id") ?? json).string, let jid = UserJID(raw) else { return nil }
        var role = Role.member
        var known = true
        // The first of `role` and `admin` that is there, null included (a member).
        switch json["role"] ?? json["admin"] {
        case .string(let text)?:
            switch text.lowercased() {
            case "superadmin": role = .superadmin
            case "admin": role = .admin
            case "member", "participant", "regular", "": role = .member
            default: known = false
            }
        case .bool(let flag)?:
            role = flag ? .admin : .member
        case .null?:
            role = .member
        default:
            if json.first("isSuperAdmin")?.bool == true {
                role = .superadmin
            } else if json.first("isAdmin")?.bool == true {
                role = .admin
            } else {
                known = json.first("isAdmin", "isSuperAdmin")?.bool != nil
            }
        }
        self.init(jid: jid, role: role, phoneNumber: MembershipRequest.phoneNumber(of: jid, field: json.first("phone_number", "phoneNumber", "pn")?.string),
                  roleKnown: known)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(jid: try container.decode(UserJID.self, forKey: .jid), role: try container.decodeIfPresent(Role.self, forKey: .role) ?? .member,
                  phoneNumber: try container.decodeIfPresent(PhoneNumber.self, forKey: .phoneNumber),
                  roleKnown: try container.decodeIfPresent(Bool.self, forKey: .roleKnown) ?? true)
    }
}

extension GroupSettings {
    /// Each setting of the table under any of its field names (`GroupSetting.fields`), in a
    /// `settings` object or at the top level: announcement as `announce`, `announcement` or
    /// `isAnnounce`; locked as `restrict`, `locked` or `isLocked`; the modes by their API names in
    /// any of WhatsApp's spellings; disappearing messages as `ephemeralDurationSeconds`,
    /// `ephemeralDuration` or `ephemeral`. A field of the wrong shape is unknown.
    public init(json: JSONValue) {
        let nested = json["settings"]?.object != nil ? json["settings"] : nil
        self.init()
        for setting in GroupSetting.all {
            // The first field name, in the `settings` object or at the top level, whose value
            // the setting takes; a null or a value of the wrong shape is passed over.
            search: for field in setting.fields {
                for source in [nested, json] {
                    guard let raw = source?[field], let scalar = raw.settingScalar, let value = setting.value(api: scalar) else { continue }
                    self[setting.id] = value
                    break search
                }
            }
        }
    }
}

extension JSONValue {
    /// This value as one of the scalars a setting can take.
    var settingScalar: GroupSetting.APIScalar? {
        switch self {
        case .bool(let flag): .bool(flag)
        case .string(let text): .string(text)
        case .number: int.map(GroupSetting.APIScalar.number)
        default: nil
        }
    }
}
