public import WadialModels

/// `GET /api/v1/sessions/{id}`.
public struct SessionStatus: Sendable, Hashable, Codable {
    public var id: String?
    public var paired: Bool?
    public var active: Bool?
    public var connected: Bool
    public var connectionState: String?
    /// The account's own identities (its phone JID, its `@lid`), as far as the status says:
    /// empty when it names none.
    public var account: [UserJID]

    public init(id: String? = nil, paired: Bool? = nil, active: Bool? = nil, connected: Bool, connectionState: String? = nil, account: [UserJID] = []) {
        self.id = id
        self.account = account
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
            connectionState: state,
            account: Self.account(json))
    }

    /// The fields that name the account: `me`, `user`, `account` or `wid` (a JID, a phone number,
    /// or an object of `id`, `jid`, `lid`, `phoneNumber`, `phone`, `number`), or those same fields at
    /// the top level. A value that is neither a user JID nor a phone number is passed over.
    static func account(_ json: JSONValue) -> [UserJID] {
        var found: [UserJID] = []
        func take(_ value: JSONValue?) {
            guard let text = value?.string ?? value?.int.map(String.init) else { return }
            let jid = text.contains("@") ? UserJID(text) : PhoneNumber(text).map(UserJID.init(phoneNumber:))
            if let jid, !found.contains(where: { $0.isSameAccount(as: jid) }) { found.append(jid) }
        }
        let fields = ["id", "jid", "lid", "phoneNumber", "phone", "number"]
        for name in ["me", "user", "account", "wid"] {
            guard let value = json[name] else { continue }
            if value.object != nil {
                for field in fields { take(value[field]) }
            } else {
                take(value)
            }
        }
        for field in fields where field != "id" { take(json[field]) }
        return found
    }
}

extension UserJID {
    /// The same person, whatever device suffix (`:12`) or legacy server (`@c.us`) each JID carries.
    public func isSameAccount(as other: UserJID) -> Bool {
        kind == other.kind && user == other.user
    }
}
