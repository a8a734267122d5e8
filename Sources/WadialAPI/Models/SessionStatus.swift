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
