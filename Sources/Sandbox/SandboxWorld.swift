import Foundation
import WadialAPI

/// The simulated WADial world: sessions, groups, members, settings, invite codes, pending join
/// requests, and a log of every call received.
///
/// One world serves three ways: over HTTP by `SandboxServer`, directly to rule tests, and for
/// inspection by end-to-end tests. Time comes from an injected clock, so that arrivals (requests
/// and member changes scheduled in the world file) appear when the clock says so.
public actor SandboxWorld {
    public struct PendingRequest: Sendable, Hashable {
        public var jid: UserJID
        /// The phone field the API sends beside the JID, if any (`@lid` requesters).
        public var phoneField: String?
        public var requestedAt: Date
        public var method: String

        public init(jid: UserJID, phoneField: String? = nil, requestedAt: Date, method: String = "invite_link") {
            self.jid = jid
            self.phoneField = phoneField
            self.requestedAt = requestedAt
            self.method = method
        }
    }

    public struct GroupState: Sendable, Hashable {
        public var jid: GroupJID
        public var subject: String
        public var description: String?
        /// Listed members with their roles, in joining order.
        public var members: [Participant]
        /// Members counted but not listed, so that large groups stay cheap.
        public var unlistedMembers: Int
        public var settings: GroupSettings
        public var inviteCode: String
        public var requests: [PendingRequest]

        public var size: Int { members.count + unlistedMembers }

        public init(jid: GroupJID, subject: String, description: String? = nil, members: [Participant] = [], unlistedMembers: Int = 0,
                    settings: GroupSettings = GroupSettings(announcement: false, locked: false, memberAddMode: .adminAdd, memberLinkMode: .adminLink, historySharing: .allMemberShare, ephemeralSeconds: 0),
                    inviteCode: String? = nil, requests: [PendingRequest] = []) {
            self.jid = jid
            self.subject = subject
            self.description = description
            self.members = members
            self.unlistedMembers = unlistedMembers
            self.settings = settings
            self.inviteCode = inviteCode ?? SandboxWorld.code(for: jid.rawValue, generation: 0)
            self.requests = requests
        }
    }

    public struct SessionState: Sendable, Hashable {
        public var id: String
        public var connected: Bool
        /// The account's own identity, used when it joins a group by invite.
        public var me: UserJID

        public init(id: String, connected: Bool = true, me: UserJID = UserJID("10000000000@s.whatsapp.net")!) {
            self.id = id
            self.connected = connected
            self.me = me
        }
    }

    /// Something that happens to the world at a time after its start.
    public struct Arrival: Sendable, Hashable {
        public enum Change: Sendable, Hashable {
            case request(GroupJID, PendingRequest)
            /// Members joining (positive) or leaving (negative) outside the API.
            case memberDelta(GroupJID, Int)
            case connection(session: String, connected: Bool)
        }

        public var after: Duration
        public var change: Change

        public init(after: Duration, change: Change) {
            self.after = after
            self.change = change
        }
    }

    /// One call as the API received it.
    public struct Call: Sendable, Hashable {
        public var time: Date
        public var method: String
        public var path: String
        public var operation: WadialOperation?
        public var body: JSONValue?
        public var status: Int
        /// The fault injected into this call, if any.
        public var fault: String?
    }

    public private(set) var sessions: [String: SessionState]
    public private(set) var groups: [GroupJID: GroupState]
    public private(set) var calls: [Call] = []
    /// Calls received per operation, kept beside the log so that watchers need not copy it.
    private var operationCounts: [WadialOperation: Int] = [:]
    private var pendingArrivals: [Arrival]
    private var inviteGenerations: [GroupJID: Int] = [:]
    private let clock: @Sendable () -> Date
    public let start: Date

    public init(sessions: [SessionState], groups: [GroupState], arrivals: [Arrival] = [], clock: @escaping @Sendable () -> Date = { Date() }) {
        self.sessions = Dictionary(sessions.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.groups = Dictionary(groups.map { ($0.jid, $0) }, uniquingKeysWith: { $1 })
        self.pendingArrivals = arrivals.sorted { $0.after < $1.after }
        self.clock = clock
        self.start = clock()
    }

    public var now: Date { clock() }

    // MARK: - Driving the world

    /// Applies every arrival due by now.
    public func applyArrivals() {
        let elapsed = now.timeIntervalSince(start)
        while let next = pendingArrivals.first, next.after.seconds <= elapsed {
            pendingArrivals.removeFirst()
            apply(next.change)
        }
    }

    public func apply(_ change: Arrival.Change) {
        switch change {
        case .request(let jid, let request):
            guard var group = groups[jid], !group.requests.contains(where: { $0.jid == request.jid }),
                  !group.members.contains(where: { $0.jid == request.jid })
            else { return }
            group.requests.append(request)
            groups[jid] = group
        case .memberDelta(let jid, let delta):
            guard var group = groups[jid] else { return }
            group.unlistedMembers = max(0, group.unlistedMembers + delta)
            groups[jid] = group
        case .connection(let session, let connected):
            sessions[session]?.connected = connected
        }
    }

    public func addRequest(_ request: PendingRequest, to jid: GroupJID) {
        apply(.request(jid, request))
    }

    public func setConnected(_ connected: Bool, session: String) {
        sessions[session]?.connected = connected
    }

    public func record(_ call: Call) {
        calls.append(call)
        if let operation = call.operation { operationCounts[operation, default: 0] += 1 }
    }

    public func recordCall(method: String, path: String, operation: WadialOperation?, body: JSONValue?, status: Int, fault: String?) {
        record(Call(time: now, method: method, path: path, operation: operation, body: body, status: status, fault: fault))
    }

    /// How many calls of `operation` the world has received (whatever their outcome).
    public func count(of operation: WadialOperation) -> Int { operationCounts[operation, default: 0] }

    public func group(_ jid: GroupJID) -> GroupState? { groups[jid] }

    static func code(for seed: String, generation: Int) -> String {
        // Deterministic per group and rotation: readable tests, distinct codes.
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in "\(seed)#\(generation)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var code = ""
        for _ in 0..<22 {
            code.append(alphabet[Int(hash % UInt64(alphabet.count))])
            hash = hash / UInt64(alphabet.count) ^ (hash &* 6_364_136_223_846_793_005)
        }
        return code
    }

    // MARK: - The API's operations

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

    private func existingGroup(_ raw: String) throws(SandboxError) -> GroupState {
        guard let jid = GroupJID(raw) else { throw .badRequest("\"\(raw)\" is not a group JID") }
        guard let group = groups[jid] else { throw .notFound("group \(raw) not found") }
        return group
    }

    public func sessionStatus(_ id: String) throws(SandboxError) -> JSONValue {
        let state = try session(id)
        return .object([
            "id": .string(id), "paired": .bool(true), "active": .bool(true), "connected": .bool(state.connected),
            "connectionState": .string(state.connected ? "open" : "close"),
        ])
    }

    public func connect(_ id: String) throws(SandboxError) -> JSONValue {
        _ = try session(id)
        sessions[id]?.connected = true
        return .object(["connected": .bool(true)])
    }

    public func listGroups(_ session: String, style: FieldStyle) throws(SandboxError) -> JSONValue {
        _ = try connectedSession(session)
        return .array(groups.values.sorted { $0.jid < $1.jid }.map { json($0, style: style, withParticipants: false) })
    }

    public func metadata(_ session: String, _ raw: String, style: FieldStyle) throws(SandboxError) -> JSONValue {
        _ = try connectedSession(session)
        return json(try existingGroup(raw), style: style, withParticipants: true)
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
        return json(group, style: style, withParticipants: true)
    }

    public func updateProfile(_ session: String, _ raw: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        _ = try connectedSession(session)
        var group = try existingGroup(raw)
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
        _ = try connectedSession(session)
        var group = try existingGroup(raw)
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
        _ = try connectedSession(session)
        var group = try existingGroup(raw)
        guard let change = SettingChange(body: body) else {
            throw .badRequest("expected {setting, enabled}, memberAddMode, memberLinkMode, memberShareGroupHistoryMode or ephemeralDurationSeconds")
        }
        switch change {
        case .announcement(let enabled): group.settings.announcement = enabled
        case .locked(let enabled): group.settings.locked = enabled
        case .memberAddMode(let mode): group.settings.memberAddMode = mode
        case .memberLinkMode(let mode): group.settings.memberLinkMode = mode
        case .historySharing(let mode): group.settings.historySharing = mode
        case .ephemeral(let seconds): group.settings.ephemeralSeconds = seconds
        }
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
        _ = try connectedSession(session)
        let group = try existingGroup(raw)
        return .object(["code": .string(group.inviteCode), "link": .string("https://chat.whatsapp.com/" + group.inviteCode)])
    }

    public func revokeInvite(_ session: String, _ raw: String) throws(SandboxError) -> JSONValue {
        _ = try connectedSession(session)
        var group = try existingGroup(raw)
        let generation = (inviteGenerations[group.jid] ?? 0) + 1
        inviteGenerations[group.jid] = generation
        group.inviteCode = Self.code(for: group.jid.rawValue, generation: generation)
        groups[group.jid] = group
        return .object(["code": .string(group.inviteCode), "link": .string("https://chat.whatsapp.com/" + group.inviteCode)])
    }

    public func membershipRequests(_ session: String, _ raw: String, style: FieldStyle) throws(SandboxError) -> JSONValue {
        _ = try connectedSession(session)
        let group = try existingGroup(raw)
        return .array(group.requests.map { request in
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
        _ = try connectedSession(session)
        var group = try existingGroup(raw)
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
            group.requests.remove(at: index)
            if decision == .approve { group.members.append(Participant(jid: jid)) }
            results.append(.object(["jid": .string(jid.rawValue), "status": .number(200)]))
        }
        groups[group.jid] = group
        return .array(results)
    }

    public func leave(_ session: String, body: JSONValue) throws(SandboxError) -> JSONValue {
        let me = try connectedSession(session).me
        guard let items = body["groupJids"]?.array, !items.isEmpty else { throw .badRequest("groupJids must be a non-empty list") }
        for item in items {
            var group = try existingGroup(item.string ?? "")
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

    /// How the sandbox names fields: the API documents no names, so both spellings are served.
    public enum FieldStyle: String, Sendable, Hashable, CaseIterable {
        /// `id`, `subject`, `size`, `announce`, `restrict`, `request_time` in seconds.
        case primary
        /// `jid`, `name`, `participants` only, `announcement`, `locked`, `requestedAt` in ms.
        case alternate
    }

    private func json(_ group: GroupState, style: FieldStyle, withParticipants: Bool) -> JSONValue {
        var object: [String: JSONValue] = [:]
        let settings = group.settings
        switch style {
        case .primary:
            object["id"] = .string(group.jid.rawValue)
            object["subject"] = .string(group.subject)
            object["size"] = .number(Double(group.size))
            if let value = settings.announcement { object["announce"] = .bool(value) }
            if let value = settings.locked { object["restrict"] = .bool(value) }
            if let description = group.description { object["desc"] = .string(description) }
        case .alternate:
            object["groupJid"] = .string(group.jid.rawValue)
            object["name"] = .string(group.subject)
            object["participantCount"] = .number(Double(group.size))
            if let value = settings.announcement { object["isAnnounce"] = .bool(value) }
            if let value = settings.locked { object["locked"] = .bool(value) }
            if let description = group.description { object["description"] = .string(description) }
        }
        if let mode = settings.memberAddMode { object["memberAddMode"] = .string(mode.rawValue) }
        if let mode = settings.memberLinkMode { object["memberLinkMode"] = .string(mode.rawValue) }
        if let mode = settings.historySharing { object["memberShareGroupHistoryMode"] = .string(mode.rawValue) }
        if let seconds = settings.ephemeralSeconds { object["ephemeralDuration"] = .number(Double(seconds)) }
        if withParticipants {
            object["participants"] = .array(group.members.map {
                .object(["id": .string($0.jid.rawValue), "admin": $0.role == .member ? .null : .string($0.role.rawValue)])
            })
        }
        return .object(object)
    }
}
