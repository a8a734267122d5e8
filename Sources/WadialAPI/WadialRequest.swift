public import WadialModels
/// One API call, described independently of how it is sent: the operation, the method, the path
/// segments under `/api/v1/sessions/{id}`, and the JSON body.
public struct WadialRequest: Sendable, Hashable {
    public var operation: WadialOperation
    public var method: String
    public var segments: [String]
    public var body: JSONValue?

    public init(_ operation: WadialOperation, _ method: String, _ segments: [String], body: JSONValue? = nil) {
        self.operation = operation
        self.method = method
        self.segments = segments
        self.body = body
    }

    static func users(_ jids: [UserJID]) -> JSONValue { .array(jids.map { .string($0.rawValue) }) }
}

/// A client that can send a `WadialRequest` and return the unwrapped `data` payload; every
/// operation of `WadialClient` is built on that one call.
public protocol WadialTransport: WadialClient {
    func send(_ request: WadialRequest, session: String) async throws -> JSONValue
    /// Entries of list answers that were left out (a malformed group, a requester that is not a
    /// user JID): each is reported here, once per answer, and the rest of the list is used.
    func reportSkipped(_ entries: [SkippedEntry])
}

extension WadialTransport {
    public func reportSkipped(_ entries: [SkippedEntry]) {}
}

extension WadialTransport {
    public func sessionStatus(session: String) async throws -> SessionStatus {
        SessionStatus(json: try await send(.init(.sessionStatus, "GET", []), session: session))
    }

    public func reconnect(session: String) async throws {
        _ = try await send(.init(.reconnect, "POST", ["connect"]), session: session)
    }

    public func listGroups(session: String) async throws -> [Group] {
        let payload = try await send(.init(.listGroups, "GET", ["groups"]), session: session)
        guard let items = payload.array ?? payload.first("groups")?.array else { throw WadialError.decoding("group list is not a list") }
        var skipped: [SkippedEntry] = []
        var groups: [Group] = []
        for item in items {
            do {
                groups.append(try Group(json: item, skipped: &skipped))
            } catch {
                skipped.append(SkippedEntry(list: "group list", group: nil, entry: item, reason: (error as? WadialError)?.message ?? "\(error)"))
            }
        }
        reportSkipped(skipped)
        return groups
    }

    public func group(session: String, _ jid: GroupJID) async throws -> Group {
        var skipped: [SkippedEntry] = []
        let group = try Group(json: try await send(.init(.group, "GET", ["groups", jid.rawValue]), session: session), skipped: &skipped)
        reportSkipped(skipped)
        return group
    }

    public func createGroup(session: String, subject: String, participants: [UserJID], description: String?) async throws -> Group {
        var body: [String: JSONValue] = ["subject": .string(subject), "participants": WadialRequest.users(participants)]
        if let description { body["description"] = .string(description) }
        return try Group(json: try await send(.init(.createGroup, "POST", ["groups"], body: .object(body)), session: session))
    }

    public func updateProfile(session: String, _ jid: GroupJID, subject: String?, description: String?) async throws {
        var body: [String: JSONValue] = [:]
        if let subject { body["subject"] = .string(subject) }
        if let description { body["description"] = .string(description) }
        guard !body.isEmpty else { throw WadialError.invalidRequest("update_profile needs a subject or a description") }
        _ = try await send(.init(.updateProfile, "PATCH", ["groups", jid.rawValue, "profile"], body: .object(body)), session: session)
    }

    public func updateParticipants(session: String, _ jid: GroupJID, _ operation: ParticipantOperation, _ participants: [UserJID]) async throws -> JSONValue {
        guard !participants.isEmpty else { throw WadialError.invalidRequest("no participants") }
        let body = JSONValue.object(["action": .string(operation.rawValue), "participants": WadialRequest.users(participants)])
        return try await send(.init(.updateParticipants, "POST", ["groups", jid.rawValue, "participants"], body: body), session: session)
    }

    public func updateSetting(session: String, _ jid: GroupJID, _ change: SettingChange) async throws {
        _ = try await send(.init(.updateSetting, "PATCH", ["groups", jid.rawValue, "settings"], body: change.body), session: session)
    }

    public func previewInvite(session: String, code: String) async throws -> JSONValue {
        try await send(.init(.previewInvite, "POST", ["groups", "invite", "preview"], body: .object(["code": .string(code)])), session: session)
    }

    public func joinByInvite(session: String, code: String) async throws -> JSONValue {
        try await send(.init(.joinByInvite, "POST", ["groups", "join"], body: .object(["code": .string(code)])), session: session)
    }

    public func inviteCode(session: String, _ jid: GroupJID) async throws -> InviteCode {
        try InviteCode(json: try await send(.init(.inviteCode, "GET", ["groups", jid.rawValue, "invite-code"]), session: session))
    }

    public func revokeInvite(session: String, _ jid: GroupJID) async throws -> InviteCode {
        try InviteCode(json: try await send(.init(.revokeInvite, "POST", ["groups", jid.rawValue, "invite", "revoke"]), session: session))
    }

    public func membershipRequests(session: String, _ jid: GroupJID) async throws -> [MembershipRequest] {
        let payload = try await send(.init(.membershipRequests, "GET", ["groups", jid.rawValue, "membership-requests"]), session: session)
        guard let items = payload.array ?? payload.first("requests", "participants")?.array else {
            throw WadialError.decoding("membership request list is not a list")
        }
        var skipped: [SkippedEntry] = []
        var requests: [MembershipRequest] = []
        for item in items {
            do {
                requests.append(try MembershipRequest(json: item))
            } catch {
                skipped.append(SkippedEntry(list: "join requests", group: jid, entry: item, reason: (error as? WadialError)?.message ?? "\(error)"))
            }
        }
        reportSkipped(skipped)
        return requests
    }

    public func decideRequests(session: String, _ jid: GroupJID, _ decision: RequestDecision, _ participants: [UserJID]) async throws -> JSONValue {
        guard !participants.isEmpty else { throw WadialError.invalidRequest("no participants") }
        let body = JSONValue.object(["action": .string(decision.rawValue), "participants": WadialRequest.users(participants)])
        return try await send(.init(.decideRequests, "POST", ["groups", jid.rawValue, "membership-requests"], body: body), session: session)
    }

    public func leave(session: String, _ jids: [GroupJID]) async throws {
        guard !jids.isEmpty else { throw WadialError.invalidRequest("no groups") }
        let body = JSONValue.object(["groupJids": .array(jids.map { .string($0.rawValue) })])
        _ = try await send(.init(.leave, "POST", ["groups", "leave"], body: body), session: session)
    }
}
