public import Foundation
import WadialAPI
import WadialModels
public import YAML

/// A sandbox world described in YAML:
///
/// ```yaml
/// sessions: [{ id: demo, connected: true }]     # optional: one session "sandbox"
/// groups:
///   - jid: 120363000000000001@g.us
///     subject: Support
///     size: 120                                 # members in all; listed members count toward it
///     members: [{ jid: 15550000001@s.whatsapp.net, role: superadmin }]
///     settings: { announcement: false, locked: true, member_add_mode: admin_add, ephemeral: 7d }
///     kind: group                               # or community, announcements
///     community: 120363000000000009@g.us        # the community it is linked to
///     admin: true                               # false: the account is a plain member
///     requests:
///       - { jid: 15551234567@s.whatsapp.net, waiting: 2h }
///       - { jid: 123456789012345@lid, phone: "+447700900123" }
/// arrivals:                                     # changes over time, from the world's start
///   - { after: 10s, group: 120363000000000001@g.us, request: { jid: 447700900999@s.whatsapp.net } }
///   - { after: 20s, group: 120363000000000001@g.us, members: 25 }     # or -10
///   - { after: 30s, session: sandbox, connected: false }
/// ```
public struct WorldFile: Sendable {
    public var sessions: [SandboxWorld.SessionState]
    public var groups: [SandboxWorld.GroupState]
    public var arrivals: [SandboxWorld.Arrival]
    /// `stale_requests_for`: how long decided requests stay listed (the stale-list mode).
    public var staleListing: Duration = .zero
    /// `failing_hooks`: how many of the first deliveries to the webhook sink fail with HTTP 500.
    public var failingHooks = 0

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let diagnostics: [Diagnostic]
        public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    }

    public static let defaultSession = "sandbox"

    public init(sessions: [SandboxWorld.SessionState], groups: [SandboxWorld.GroupState], arrivals: [SandboxWorld.Arrival]) {
        self.sessions = sessions
        self.groups = groups
        self.arrivals = arrivals
    }

    public func world(clock: @escaping @Sendable () -> Date = { Date() }) -> SandboxWorld {
        SandboxWorld(sessions: sessions, groups: groups, arrivals: arrivals, staleListing: staleListing, failingHooks: failingHooks, clock: clock)
    }

    public static func load(path: String, now: Date = Date()) throws -> WorldFile {
        switch SourceFile.read(path) {
        case .success(let text): return try parse(text, file: path, now: now)
        case .failure(let problem): throw LoadError(diagnostics: [Diagnostic(file: path, mark: problem.mark, message: "world file: \(problem)")])
        }
    }

    /// `now` is the world's start: request `waiting` times count back from it.
    public static func parse(_ text: String, file: String = "world.yaml", now: Date = Date()) throws -> WorldFile {
        let source = SourceText(name: file, text: text)
        let root: Node?
        do {
            root = try YAMLParser().parse(text, file: file)
        } catch {
            throw LoadError(diagnostics: [error.diagnostic])
        }
        var reader = Reader(source: source, now: now)
        let world = reader.world(root)
        guard reader.diagnostics.isEmpty else { throw LoadError(diagnostics: reader.diagnostics) }
        return world
    }

    /// A world from an already parsed node (the `world:` of a rule test file); problems are
    /// reported against `source`.
    public static func read(_ node: Node?, source: SourceText, now: Date) throws -> WorldFile {
        var reader = Reader(source: source, now: now)
        let world = reader.world(node)
        guard reader.diagnostics.isEmpty else { throw LoadError(diagnostics: reader.diagnostics) }
        return world
    }

    struct Reader {
        let source: SourceText
        let now: Date
        var diagnostics: [Diagnostic] = []

        mutating func fail(_ node: Node?, _ message: String) {
            diagnostics.append(source.diagnostic(at: node?.mark, message))
        }

        mutating func mapping(_ node: Node?, _ what: String, keys: [String]) -> Node.Mapping? {
            guard let mapping = node?.mapping else {
                fail(node, "expected \(what) (a mapping)")
                return nil
            }
            for pair in mapping.pairs where !keys.contains(pair.key.scalar?.string ?? "") {
                fail(pair.key, "unknown key \"\(pair.key.scalar?.string ?? "?")\" in \(what); expected one of \(keys.joined(separator: ", "))")
            }
            return mapping
        }

        mutating func list(_ node: Node?, _ what: String) -> [Node] {
            guard let node else { return [] }
            guard let sequence = node.sequence else {
                fail(node, "expected \(what) (a list)")
                return []
            }
            return sequence.items
        }

        mutating func string(_ node: Node?, _ what: String) -> String? {
            guard let scalar = node?.scalar, scalar.value != .null else {
                fail(node, "expected \(what)")
                return nil
            }
            return scalar.string
        }

        /// The most members a sandbox group has (WhatsApp's own limit is far below).
        static let maximumMembers = 100_000_000

        mutating func int(_ node: Node?, _ what: String, in range: ClosedRange<Int>) -> Int? {
            guard case .int(let value)? = node?.scalar?.value else {
                fail(node, "expected \(what) (a whole number)")
                return nil
            }
            guard range.contains(value) else {
                fail(node, "expected \(what) from \(range.lowerBound) to \(range.upperBound); found \(value)")
                return nil
            }
            return value
        }

        mutating func bool(_ node: Node?, _ what: String) -> Bool? {
            guard case .bool(let value)? = node?.scalar?.value else {
                fail(node, "expected true or false for \(what)")
                return nil
            }
            return value
        }

        mutating func duration(_ node: Node?, _ what: String) -> Duration? {
            let text = node?.scalar?.string ?? ""
            switch RuleDuration.read(text) {
            case .success(let seconds):
                return .seconds(seconds)
            case .failure(.tooLong):
                fail(node, "\(what) is longer than the longest duration, 100 years (36500d)")
            case .failure(.syntax):
                fail(node, "expected \(what) (a duration like 45s, 10m, 2h, 3d)")
            }
            return nil
        }

        mutating func groupJID(_ node: Node?) -> GroupJID? {
            guard let text = string(node, "a group JID") else { return nil }
            guard let jid = GroupJID(text) else {
                fail(node, "\"\(text)\" is not a group JID")
                return nil
            }
            return jid
        }

        mutating func userJID(_ node: Node?) -> UserJID? {
            guard let text = string(node, "a user JID") else { return nil }
            guard let jid = UserJID(text) else {
                fail(node, "\"\(text)\" is not a user JID (…@s.whatsapp.net or …@lid)")
                return nil
            }
            return jid
        }

        mutating func world(_ root: Node?) -> WorldFile {
            var world = WorldFile(sessions: [], groups: [], arrivals: [])
            guard let root else { return world }
            guard let top = mapping(root, "a world", keys: ["sessions", "groups", "arrivals", "stale_requests_for", "failing_hooks"]) else { return world }
            if let node = top["stale_requests_for"], let duration = duration(node, "how long decided requests stay listed") { world.staleListing = duration }
            if let node = top["failing_hooks"], let count = int(node, "how many webhook deliveries fail", in: 0...1_000_000) { world.failingHooks = count }
            for item in list(top["sessions"], "sessions") {
                guard let fields = mapping(item, "a session", keys: ["id", "connected", "me"]), let id = string(fields["id"], "a session id") else { continue }
                var session = SandboxWorld.SessionState(id: id)
                if let node = fields["connected"], let connected = bool(node, "connected") { session.connected = connected }
                if let node = fields["me"], let me = userJID(node) { session.me = me }
                world.sessions.append(session)
            }
            if world.sessions.isEmpty { world.sessions = [.init(id: WorldFile.defaultSession)] }
            for item in list(top["groups"], "groups") {
                if let group = group(item) { world.groups.append(group) }
            }
            for item in list(top["arrivals"], "arrivals") {
                if let arrival = arrival(item) { world.arrivals.append(arrival) }
            }
            return world
        }

        mutating func group(_ node: Node) -> SandboxWorld.GroupState? {
            let keys = ["jid", "subject", "description", "size", "members", "settings", "invite_code", "requests", "sessions", "kind", "community", "admin"]
            guard let fields = mapping(node, "a group", keys: keys), let jid = groupJID(fields["jid"]) else { return nil }
            var group = SandboxWorld.GroupState(jid: jid, subject: fields["subject"].flatMap { string($0, "a subject") } ?? jid.rawValue)
            group.description = fields["description"].flatMap { string($0, "a description") }
            for item in list(fields["members"], "members") {
                if let member = item.mapping {
                    guard let jid = userJID(member["jid"]) else { continue }
                    let role = member["role"]?.scalar.flatMap { Participant.Role(rawValue: $0.string) } ?? .member
                    group.members.append(Participant(jid: jid, role: role))
                } else if let jid = userJID(item) {
                    group.members.append(Participant(jid: jid))
                }
            }
            if let node = fields["size"], let size = int(node, "a member count", in: 0...Self.maximumMembers) {
                if size < group.members.count { fail(node, "size \(size) is less than the \(group.members.count) listed members") }
                group.unlistedMembers = max(0, size - group.members.count)
            }
            if let node = fields["settings"] { group.settings = settings(node, base: group.settings) }
            if fields["sessions"] != nil {
                group.sessions = Set(list(fields["sessions"], "sessions").compactMap { string($0, "a session id") })
            }
            if let node = fields["invite_code"], let code = string(node, "an invite code") { group.inviteCode = code }
            if let node = fields["kind"], let text = string(node, "a group kind") {
                if let kind = GroupKind(rawValue: text) {
                    group.kind = kind
                    // An announcement group is announcement-only from the start.
                    if kind == .announcements, fields["settings"]?.mapping?["announcement"] == nil { group.settings[.announcement] = .bool(true) }
                } else {
                    fail(node, "expected one of \(GroupKind.allCases.map(\.rawValue).joined(separator: ", ")) for kind")
                }
            }
            if let node = fields["community"] { group.linkedParent = groupJID(node) }
            if let node = fields["admin"], let admin = bool(node, "whether the account is an admin") { group.accountRole = admin ? .admin : .member }
            for item in list(fields["requests"], "requests") {
                if let request = request(item, defaultWaiting: .zero) { group.requests.append(request) }
            }
            return group
        }

        /// The settings of `GroupSetting` by their rule-language keys and values; disappearing
        /// messages also as a number of seconds.
        mutating func settings(_ node: Node, base: GroupSettings) -> GroupSettings {
            guard let fields = mapping(node, "settings", keys: GroupSetting.all.map(\.key)) else { return base }
            var settings = base
            for setting in GroupSetting.all {
                guard let node = fields[setting.key] else { continue }
                let value: SettingValue?
                switch (setting.values, node.scalar?.value) {
                case (.boolean, _):
                    // `bool` names the problem itself.
                    guard let flag = bool(node, setting.key) else { continue }
                    value = .bool(flag)
                case (.duration, .int(let seconds)?): value = (0...Int(RuleDuration.maximumSeconds)).contains(seconds) ? .seconds(seconds) : nil
                // The rules' words, or WhatsApp's spellings of them (`ADMIN_ADD`, `adminAdd`).
                default: value = node.scalar.flatMap { setting.value(ruleText: $0.string) ?? setting.value(api: .string($0.string)) }
                }
                guard let value else {
                    var expected = setting.valueNames.joined(separator: ", ")
                    if case .duration = setting.values { expected += " or a number of seconds" }
                    fail(node, "expected \(expected) for \(setting.key)")
                    continue
                }
                settings[setting.id] = value
            }
            return settings
        }

        mutating func request(_ node: Node, defaultWaiting: Duration) -> SandboxWorld.PendingRequest? {
            guard let fields = mapping(node, "a request", keys: ["jid", "phone", "waiting", "method"]), let jid = userJID(fields["jid"]) else { return nil }
            let waiting = fields["waiting"].flatMap { duration($0, "how long it has waited") } ?? defaultWaiting
            return SandboxWorld.PendingRequest(
                jid: jid, phoneField: fields["phone"].flatMap { string($0, "a phone number") },
                requestedAt: now.addingTimeInterval(-waiting.seconds),
                method: fields["method"].flatMap { string($0, "a request method") } ?? "invite_link")
        }

        mutating func arrival(_ node: Node) -> SandboxWorld.Arrival? {
            guard let fields = mapping(node, "an arrival", keys: ["after", "group", "request", "members", "session", "connected"]),
                  let after = duration(fields["after"], "when it happens")
            else { return nil }
            if let requestNode = fields["request"] {
                guard let group = groupJID(fields["group"]), var request = request(requestNode, defaultWaiting: .zero) else { return nil }
                request.requestedAt = now.addingTimeInterval(after.seconds)
                return .init(after: after, change: .request(group, request))
            }
            if let membersNode = fields["members"] {
                guard let group = groupJID(fields["group"]), let delta = int(membersNode, "a change of member count", in: -Self.maximumMembers...Self.maximumMembers)
                else { return nil }
                return .init(after: after, change: .memberDelta(group, delta))
            }
            if let connectedNode = fields["connected"] {
                guard let connected = bool(connectedNode, "connected") else { return nil }
                let session = fields["session"].flatMap { string($0, "a session id") } ?? WorldFile.defaultSession
                return .init(after: after, change: .connection(session: session, connected: connected))
            }
            fail(node, "an arrival needs \"request\", \"members\" or \"connected\"")
            return nil
        }
    }
}
