import Foundation
public import WadialAPI
import WadialModels

extension SandboxWorld {
    // The API's operations, each as the HTTP server serves it.

    private func session(_ id: String) throws(SandboxError) -> SessionState {
        guard let session = sessions[id] else { throw .notFound("session \(id) not found") }
        return session
    }

    /// A session that can act: group operations need a connected session.
    private func connectedSession(_ id: String) throws(SandboxError) -> SessionState {
        let state = try session(id)
        guard state.connected else { throw SandboxError(409, "SESSION_NOT_CONNECTED", "session \(id) is not connected") }
        return state
    }

    /// The group, when the session's account is in it (a group of `sessions:` in the world file
    /// is in those sessions only; one without is in every session).
    private func existingGroup(_ raw: String, in session: String) throws(SandboxError) -> GroupState {
        guard let jid = GroupJID(raw) else { throw .badRequest("\"\(raw)\" is not a group JID") }
        guard let group = groups[jid], group.isIn(session) else { throw .notFound("group \(raw) not found") }
        return group
    }

    /// The group, when the session's account is an admin of it: join requests, the invite link
    /// and every change need admin rights (403 otherwise, as WhatsApp answers).
    private func adminGroup(_ raw: String, in session: SessionState) throws(SandboxError) -> GroupState {
        let group = try existingGroup(raw, in: session.id)
        let role = group.members.first { $0.jid == session.me }?.role ?? group.accountRole
        guard role != .member else { throw SandboxError(403, "FORBIDDEN", "the account is not an admin of group \(group.jid)") }
        return group
    }

    public func sessionStatus(_ id: String) throws(SandboxError) -> JSONValue {
        let state = try session(id)
        return .object([
            "id": .string(id), "paired": .bool(true), "active": .bool(true), "connected": .bool(state.connected),
            "connectionState": .string(state.connected ? "open" : "close"),
            "me": .object(["id": .string(state.me.rawValue)]),
        ])
    }

    public func connect(_ id: String) throws(SandboxError) -> JSONValue {
        _ = try session(id)
        sessions[id]?.connected = true
        return .object(["connected": .bool(true)])
    }

    public func listGroups(_ session: String, style: FieldStyle) throws(SandboxError) -> JSONValue {
        let me = try connectedSession(session).me
        return .array(groups.values.filter { $0.isIn(session) }.sorted { $0.jid < $1.jid }.map { json($0, style: style, me: me) })
    }

    public func metadata(_ session: String, _ raw: String, style: FieldStyle) throws(SandboxError) -> JSONValue {
        let me = try connectedSession(session).me
        return json(try existingGroup(raw, in: session), style: style, me: me)
    }

    public func createGroup(_ session: String, body: JSONValue, style: FieldStyle) throws(SandboxError) -> JSONValue {
        let me = try connectedSession(session).me
        guard let subject = body["subject"]?.string, !subject.isEmpty else { throw .badRequest("subject is required") }
        let participants = try userJIDs(body["participants"])
        var number = 120_363_900_000_000_000 + groups.count
        var candidate = GroupJID("\(number)@g.us")
        while let taken = candidate, groups[taken] != nil {
            number += 1
            candidate = GroupJID("\(number)@g.us")
        }
        guard let jid = candidate else { throw SandboxError(500, "INTERNAL", "no group id left") }
        let members = [Participant(jid: me, role: .superadmin)] + participants.filter { $0 != me }.map { Participant(jid: $0) }
        let group = GroupState(jid: jid, subject: subject, description: body["description"]?.string, members: members)
        groups[jid] = group
        return json(group, style: style, me: me)
    }

    public func updateProfile(_ session: String, _ raw: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        let account = try connectedSession(session)
        var group = try adminGroup(raw, in: account)
        let subject = body["subject"]?.string
        let description = body["description"]?.string
        guard subject != nil || description != nil else { throw .badRequest("subject or description is required") }
        if let subject {
            guard !subject.isEmpty, subject.count <= 100 else { throw .badRequest("subject must be 1 to 100 characters") }
            group.subject = subject
        }
        if let description { group.description = description }
        groups[group.jid] = group
        return .object(["updated": .bool(true)])
    }

    public func updateParticipants(_ session: String, _ raw: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        let account = try connectedSession(session)
        var group = try adminGroup(raw, in: account)
        guard let action = body["action"]?.string.flatMap(ParticipantOperation.init(rawValue:)) else {
            throw .badRequest("action must be add, remove, promote or demote")
        }
        let participants = try userJIDs(body["participants"])
        var results: [JSONValue] = []
        for jid in participants {
            let index = group.members.firstIndex { $0.jid == jid }
            var status = 200
            switch (action, index) {
            case (.add, nil): group.members.append(Participant(jid: jid))
            case (.add, _?): status = 409
            case (.remove, let index?): group.members.remove(at: index)
            case (.promote, let index?): group.members[index].role = .admin
            case (.demote, let index?): group.members[index].role = .member
            case (_, nil): status = 404
            }
            results.append(.object(["jid": .string(jid.rawValue), "status": .number(Double(status))]))
        }
        groups[group.jid] = group
        return .array(results)
    }

    public func updateSetting(_ session: String, _ raw: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        let account = try connectedSession(session)
        var group = try adminGroup(raw, in: account)
        guard let change = SettingChange(body: body) else {
            throw .badRequest("expected " + GroupSetting.all.map(\.bodyShape).joined(separator: ", ") + " with a value the setting takes")
        }
        if group.kind == .announcements, change.id == .announcement, change.value == .bool(false) {
            throw SandboxError(403, "NOT_ALLOWED", "only admins write in a community announcement group; it cannot be opened to members")
        }
        group.settings[change.id] = change.value
        groups[group.jid] = group
        return .object(["updated": .bool(true)])
    }

    private func groupByCode(_ body: JSONValue) throws(SandboxError) -> GroupState {
        guard let code = body["code"]?.string, !code.isEmpty else { throw .badRequest("code is required") }
        let bare = code.split(separator: "/").last.map(String.init) ?? code
        guard let group = groups.values.first(where: { $0.inviteCode == bare }) else { throw .notFound("invite code not found or revoked") }
        return group
    }

    public func previewInvite(_ session: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        _ = try connectedSession(session)
        let group = try groupByCode(body)
        return .object(["id": .string(group.jid.rawValue), "subject": .string(group.subject), "size": .number(Double(group.size))])
    }

    public func join(_ session: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        let me = try connectedSession(session).me
        var group = try groupByCode(body)
        if !group.members.contains(where: { $0.jid == me }) { group.members.append(Participant(jid: me)) }
        groups[group.jid] = group
        return .object(["groupJid": .string(group.jid.rawValue)])
    }

    public func inviteCode(_ session: String, _ raw: String) throws(SandboxError) -> JSONValue {
        let account = try connectedSession(session)
        let group = try adminGroup(raw, in: account)
        return .object(["code": .string(group.inviteCode), "link": .string("https://chat.whatsapp.com/" + group.inviteCode)])
    }

    public func revokeInvite(_ session: String, _ raw: String) throws(SandboxError) -> JSONValue {
        let account = try connectedSession(session)
        var group = try adminGroup(raw, in: account)
        let generation = (inviteGenerations[group.jid] ?? 0) + 1
        inviteGenerations[group.jid] = generation
        group.inviteCode = Self.code(for: group.jid.rawValue, generation: generation)
        groups[group.jid] = group
        return .object(["code": .string(group.inviteCode), "link": .string("https://chat.whatsapp.com/" + group.inviteCode)])
    }

    public func membershipRequests(_ session: String, _ raw: String, style: FieldStyle) throws(SandboxError) -> JSONValue {
        let account = try connectedSession(session)
        let group = try adminGroup(raw, in: account)
        return .array(listedRequests(group).map { request in
            var object: [String: JSONValue] = ["jid": .string(request.jid.rawValue)]
            let seconds = request.requestedAt.timeIntervalSince1970.rounded(.down)
            switch style {
            case .primary:
                object["request_time"] = .number(seconds)
                object["request_method"] = .string(request.method)
                if let phone = request.phoneField { object["phone_number"] = .string(phone) }
            case .alternate:
                object["requestedAt"] = .string(String(Int64(seconds * 1000)))
                if let phone = request.phoneField { object["phoneNumber"] = .string(phone) }
            }
            return .object(object)
        })
    }

    /// Approves, rejects or cancels pending requests, each by the exact JID the list returned.
    /// An approved requester becomes a member, so the count changes.
    public func decideRequests(_ session: String, _ raw: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        let account = try connectedSession(session)
        var group = try adminGroup(raw, in: account)
        guard let decision = body["action"]?.string.flatMap(RequestDecision.init(rawValue:)) else {
            throw .badRequest("action must be approve, reject or cancel")
        }
        let participants = try userJIDs(body["participants"])
        var results: [JSONValue] = []
        for jid in participants {
            guard let index = group.requests.firstIndex(where: { $0.jid == jid }) else {
                results.append(.object(["jid": .string(jid.rawValue), "status": .number(404), "error": .string("no pending request")]))
                continue
            }
            let decided = group.requests.remove(at: index)
            if decision == .approve { group.members.append(Participant(jid: jid)) }
            if staleListing > .zero {
                lingering[group.jid, default: []].append((decided, now.addingTimeInterval(staleListing.seconds)))
            }
            results.append(.object(["jid": .string(jid.rawValue), "status": .number(200)]))
        }
        groups[group.jid] = group
        return .array(results)
    }

    public func leave(_ session: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        let me = try connectedSession(session).me
        guard let items = body["groupJids"]?.array, !items.isEmpty else { throw .badRequest("groupJids must be a non-empty list") }
        for item in items {
            var group = try existingGroup(item.string ?? "", in: session)
            group.members.removeAll { $0.jid == me }
            groups[group.jid] = group
        }
        return .object(["left": .number(Double(items.count))])
    }

    private func userJIDs(_ value: JSONValue?) throws(SandboxError) -> [UserJID] {
        guard let items = value?.array, !items.isEmpty else { throw .badRequest("participants must be a non-empty list") }
        var result: [UserJID] = []
        for item in items {
            guard let text = item.string, let jid = UserJID(text) else {
                throw .badRequest("\"\(item.string ?? "?")\" is not a user JID")
            }
            result.append(jid)
        }
        return result
    }
}
