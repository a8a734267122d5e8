public import Foundation
public import WadialModels

/// Everything the engine must not forget across restarts. The API key is never part of it.
///
/// `SQLiteStateStore` keeps it in one SQLite file (WAL); `MemoryStateStore` keeps it in memory
/// for rule tests. One contract test suite runs against both.
public protocol StateStore: Sendable {
    /// What rules did with these pending requests (any rule), keyed as the requests are now.
    func actedRequests(group: GroupJID, requesters: [UserJID]) async throws -> [ActedRequest]
    func recordActed(_ records: [ActedRequest]) async throws

    /// Per-rule state of one kind (threshold phases, last schedule runs, reported drift).
    func values(_ kind: StateKind) async throws -> [StateKey: String]

    /// Writes intended before a call and closed with its outcome after: a crash leaves it open.
    func openIntent(_ intent: JournalIntent) async throws -> Int64
    func closeIntent(_ id: Int64, outcome: String, at: Date) async throws
    func openIntents() async throws -> [JournalEntry]

    /// A tick's state changes and the hand-offs of the rules they made fire, all or none.
    func commit(_ changes: [(key: StateKey, value: String?)], handOffs: [HandOff]) async throws
    /// Inserts or replaces a hand-off (its progress after each step).
    func saveHandOff(_ handOff: HandOff) async throws
    func removeHandOff(id: String) async throws
    /// The session's hand-offs not done yet, oldest first.
    func handOffs(session: String) async throws -> [HandOff]

    /// Throws when the store is not the one it was (a state file deleted or replaced): then
    /// nothing may be written for the session.
    func checkIdentity() async throws

    func appendAudit(_ entries: [AuditEntry]) async throws
    /// Newest last.
    func audit(since: Date?, rule: String?, group: String?) async throws -> [AuditEntry]
    /// The newest `limit` audit rows of join-request decisions (`*_requests` actions), newest
    /// first: what the status page shows, without reading the whole trail.
    func latestDecisions(limit: Int) async throws -> [AuditEntry]

    /// Takes or renews the session's lease for `holder` until `expires`, in one atomic step: held
    /// when it is free, expired, handed back, or already the holder's (a take-over, anything but
    /// a renewal, gets a new epoch); busy when another holder's lease has not expired at `now`.
    /// `replacing` names a holder known to be dead (a process of this machine that is gone): its
    /// lease is taken as if it had expired.
    func claimLease(session: String, holder: String, until expires: Date, now: Date, replacing dead: String?) async throws -> LeaseClaim
    /// Hands the lease back at once (when `holder` still holds it): another engine takes it on
    /// its next claim, without waiting for it to expire.
    func releaseLease(session: String, holder: String, now: Date) async throws
    /// Every session's lease, held or not, by session.
    func leases() async throws -> [Lease]
    /// Records `instance` as alive until `expires`; returns the instances alive at `now`, this
    /// one included, by id. Sessions are shared out among them.
    func heartbeat(instance: String, until expires: Date, now: Date) async throws -> [LiveInstance]
    /// Forgets an instance (a graceful stop), so that the others take its share at once.
    func removeInstance(_ id: String) async throws

    /// Marks acted-on records as seen listed at `date`: a record is pruned only once its request
    /// has not been listed for the retention period.
    func touchActed(_ records: [ActedRequest], at date: Date) async throws
    /// Removes (or with `dryRun` counts) at most `batch` rows of each kind older than `retention`
    /// says, in its own short transaction. Open journal intents and hand-offs are never removed.
    func prune(_ retention: Retention, now: Date, batch: Int, dryRun: Bool) async throws -> PruneReport

    /// Lets go of connections (a PostgreSQL pool); the store is unusable after it.
    func close() async
}

extension StateStore {
    public func close() async {}

    public func claimLease(session: String, holder: String, until expires: Date, now: Date) async throws -> LeaseClaim {
        try await claimLease(session: session, holder: holder, until: expires, now: now, replacing: nil)
    }
}

extension StateStore {
    /// Sets one value; nil removes it.
    public func setValue(_ value: String?, for key: StateKey) async throws {
        try await setValues([(key, value)])
    }

    public func setValues(_ changes: [(key: StateKey, value: String?)]) async throws {
        try await commit(changes, handOffs: [])
    }
}

/// One rule's dealing with one join request. A request is keyed by group, requester and the
/// time it was made, so that a new request after a rejection is a new request.
public struct ActedRequest: Sendable, Hashable, Codable {
    public var rule: String
    public var group: GroupJID
    public var requester: UserJID
    /// Seconds since 1970 of the request; 0 when the API gave no time.
    public var requestedAt: Int64
    /// What the rule decided; nil when it fired without deciding (log, webhook, audit mode).
    public var decision: RequestDecision?
    public var at: Date
    /// When a read last listed the request (kept fresh at most daily); nil when never since.
    public var seen: Date?

    public init(rule: String, group: GroupJID, requester: UserJID, requestedAt: Int64, decision: RequestDecision?, at: Date, seen: Date? = nil) {
        self.rule = rule
        self.group = group
        self.requester = requester
        self.requestedAt = requestedAt
        self.decision = decision
        self.at = at
        self.seen = seen
    }

    /// How the decision is stored: `approve`, `reject`, `cancel`, or `none`.
    public var storedDecision: String { decision?.rawValue ?? "none" }

    /// The decision of a stored record; nil (the outer optional) when the text is none of them.
    public static func decision(stored text: String) -> RequestDecision?? {
        text == "none" ? .some(nil) : RequestDecision(rawValue: text).map { .some($0) }
    }
}

public enum StateKind: String, Sendable, Hashable, Codable, CaseIterable {
    case threshold
    case scheduleRun = "schedule_run"
    case drift
    /// A setting of a group that rules and policies wanted two ways, as reported in the audit
    /// trail (rule empty, sub the setting): reported again only once it has ended.
    case conflict
}

public struct StateKey: Sendable, Hashable, Codable {
    public var kind: StateKind
    public var rule: String
    public var group: String
    /// A further key within the rule and group (a policy's setting name); empty when none.
    public var sub: String

    public init(_ kind: StateKind, rule: String, group: String, sub: String = "") {
        self.kind = kind
        self.rule = rule
        self.group = group
        self.sub = sub
    }
}

public struct JournalIntent: Sendable, Hashable {
    public var session: String
    public var group: String?
    public var operation: JournalOperation
    public var rules: [String]
    public var targets: [String]
    /// For a decision, what the reconciliation needs of each target beyond its JID (same order
    /// as `targets`): the phone number it was known by and the time of its request. Empty for
    /// other writes and for intents written by earlier versions.
    public var requests: [JournalRequest]
    /// The hand-off this write is a step of, and the step's index: `ID#3`; nil for decisions.
    public var handOff: String?
    /// A short description of the change (`announcement=true`); never a secret.
    public var detail: String
    public var at: Date
    /// The epoch of the session's lease the intent was written under; 0 without leases (rule
    /// tests, and intents of earlier versions). The journal refuses an intent of an epoch that
    /// no longer holds the lease.
    public var epoch: Int64

    public init(session: String, group: String?, operation: JournalOperation, rules: [String], targets: [String],
                requests: [JournalRequest] = [], handOff: String? = nil, detail: String, at: Date, epoch: Int64 = 0) {
        self.epoch = epoch
        self.session = session
        self.group = group
        self.operation = operation
        self.rules = rules
        self.targets = targets
        self.requests = requests
        self.handOff = handOff
        self.detail = detail
        self.at = at
    }
}

/// A decided request as the journal keeps it: enough to recognise the requester among a group's
/// members (by number, when a `@lid` joined under its phone JID or the other way round) and to
/// record the decision under the request's own identity.
public struct JournalRequest: Sendable, Hashable, Codable {
    /// Digits of the phone number, when known.
    public var number: String?
    /// Seconds since 1970 of the request; 0 when the API gave no time.
    public var requestedAt: Int64

    public init(number: String?, requestedAt: Int64) {
        self.number = number
        self.requestedAt = requestedAt
    }
}

public struct JournalEntry: Sendable, Hashable {
    public var id: Int64
    public var intent: JournalIntent
    public var outcome: String?
    public var closedAt: Date?

    public init(id: Int64, intent: JournalIntent, outcome: String?, closedAt: Date?) {
        self.id = id
        self.intent = intent
        self.outcome = outcome
        self.closedAt = closedAt
    }
}

/// The kind of write a journal intent stands for, stored as its text (`decide_requests:approve`,
/// `settings`): the reconciliation on start reads it back to know what to check.
public enum JournalOperation: Sendable, Hashable, CustomStringConvertible {
    case decide(RequestDecision)
    case setting
    case updateProfile
    case participants
    case rotateInvite
    case leave
    /// Text that no operation of this version writes (a newer version's journal): closed as
    /// unknown on start, never acted on.
    case unrecognized(String)

    public static let known: [JournalOperation] = RequestDecision.allCases.map(JournalOperation.decide)
        + [.setting, .updateProfile, .participants, .rotateInvite, .leave]

    /// The stored text.
    public var description: String {
        switch self {
        case .decide(let decision): "decide_requests:\(decision.rawValue)"
        case .setting: "settings"
        case .updateProfile: "update_profile"
        case .participants: "participants"
        case .rotateInvite: "invite_revoke"
        case .leave: "leave"
        case .unrecognized(let text): text
        }
    }

    public init(stored text: String) {
        self = Self.known.first { $0.description == text } ?? .unrecognized(text)
    }

    /// An approval, rejection or cancellation of join requests.
    public var isDecision: Bool {
        if case .decide = self { true } else { false }
    }
}

/// Whether an audit row's action was for real, reported by an audit-mode rule, or a dry run.
public enum AuditMode: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case enforce
    case audit
    case dryRun = "dry-run"

    public var description: String { rawValue }
}

/// What came of an audit row's action.
public enum AuditOutcome: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Done (for a write: the API accepted it).
    case done
    case failed
    /// Not written: audit mode or a dry run; what would have been done.
    case would
    /// An audit-mode policy found a setting not as declared.
    case drift
    /// The write may or may not have reached the API.
    case unknown
    /// Not run because an earlier step of the rule failed.
    case skipped
    /// A write left open by a crash, settled on start.
    case reconciled
    /// The request was no longer pending when the decision arrived (the detail has the status).
    case gone
    /// Not done: rules or policies wanted the same setting of the group set to different values.
    case conflict

    public var description: String { rawValue }

    /// A stored outcome; rows of earlier versions wrote `gone (404)`, read as `gone`.
    public init(stored text: String) {
        self = AuditOutcome(rawValue: text) ?? (text.hasPrefix("gone") ? .gone : .unknown)
    }
}

/// One line of the audit trail: what a rule or policy did, or would have done.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var at: Date
    public var rule: String
    public var group: String
    public var action: String
    public var targets: [String]
    public var mode: AuditMode
    public var outcome: AuditOutcome
    public var detail: String
    /// The group's kind when it is not an ordinary group (a community, its announcement group).
    public var groupKind: GroupKind?

    public init(at: Date, rule: String, group: String, action: String, targets: [String], mode: AuditMode, outcome: AuditOutcome, detail: String,
                groupKind: GroupKind? = nil) {
        self.groupKind = groupKind == .group ? nil : groupKind
        self.at = at
        self.rule = rule
        self.group = group
        self.action = action
        self.targets = targets
        self.mode = mode
        self.outcome = outcome
        self.detail = detail
    }
}
