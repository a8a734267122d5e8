/// `GET /api/v1/sessions/{id}`.
public struct SessionStatus: Sendable, Hashable, Codable {
    public var id: String?
    public var paired: Bool?
    public var active: Bool?
    public var connected: Bool
    public var connectionState: String?

    public init(id: String? = nil, paired: Bool? = nil, active: Bool? = nil, connected: Bool, connectionState: String? = nil) {
        self.id = id
        self.paired = paired
        self.active = active
        self.connected = connected
        self.connectionState = connectionState
    }

    /// `connected` when present; otherwise a `connectionState` of `open` or `connected`.
    public init(json: JSONValue) {
        let state = json.first("connectionState", "state", "status")?.string
        self.init(
            id: json.first("id", "sessionId")?.string,
            paired: json.first("paired")?.bool,
            active: json.first("active")?.bool,
            connected: json.first("connected")?.bool ?? ["open", "connected"].contains(state?.lowercased() ?? ""),
            connectionState: state)
    }
}

/// An invite code and the link built from it.
public struct InviteCode: Sendable, Hashable, Codable {
    public var code: String
    public var link: String

    public init(code: String, link: String? = nil) {
        self.code = code
        self.link = link ?? "https://chat.whatsapp.com/" + code
    }

    /// `{code}`, `{inviteCode}`, `{link}` / `{inviteLink}`, or a bare string.
    public init(json: JSONValue) throws(WadialError) {
        let link = json.first("link", "inviteLink", "url")?.string
        guard let code = json.first("code", "inviteCode", "invite_code")?.string ?? json.string ?? link?.split(separator: "/").last.map(String.init) else {
            throw .decoding("invite without code")
        }
        self.init(code: code, link: link)
    }
}

/// One change of `PATCH /groups/{jid}/settings`.
public enum SettingChange: Sendable, Hashable {
    case announcement(Bool)
    case locked(Bool)
    case memberAddMode(MemberAddMode)
    case memberLinkMode(MemberLinkMode)
    case historySharing(HistorySharingMode)
    case ephemeral(seconds: Int)

    /// The request body: `{setting, enabled}` or one mode key.
    public var body: JSONValue {
        switch self {
        case .announcement(let enabled): .object(["setting": .string("announcement"), "enabled": .bool(enabled)])
        case .locked(let enabled): .object(["setting": .string("locked"), "enabled": .bool(enabled)])
        case .memberAddMode(let mode): .object(["memberAddMode": .string(mode.rawValue)])
        case .memberLinkMode(let mode): .object(["memberLinkMode": .string(mode.rawValue)])
        case .historySharing(let mode): .object(["memberShareGroupHistoryMode": .string(mode.rawValue)])
        case .ephemeral(let seconds): .object(["ephemeralDurationSeconds": .number(Double(seconds))])
        }
    }

    /// Reads a request body back (the sandbox's side of the same contract).
    public init?(body: JSONValue) {
        if let setting = body["setting"]?.string {
            guard let enabled = body["enabled"]?.bool else { return nil }
            switch setting {
            case "announcement": self = .announcement(enabled)
            case "locked": self = .locked(enabled)
            default: return nil
            }
        } else if let mode = body["memberAddMode"]?.string.flatMap(MemberAddMode.init(apiValue:)) {
            self = .memberAddMode(mode)
        } else if let mode = body["memberLinkMode"]?.string.flatMap(MemberLinkMode.init(apiValue:)) {
            self = .memberLinkMode(mode)
        } else if let mode = body["memberShareGroupHistoryMode"]?.string.flatMap(HistorySharingMode.init(apiValue:)) {
            self = .historySharing(mode)
        } else if let seconds = body["ephemeralDurationSeconds"]?.int, seconds >= 0 {
            self = .ephemeral(seconds: seconds)
        } else {
            return nil
        }
    }
}

public enum ParticipantOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case add, remove, promote, demote
}

public enum RequestDecision: String, Sendable, Hashable, Codable, CaseIterable {
    case approve, reject, cancel
}
