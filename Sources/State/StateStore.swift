import Foundation
import WadialAPI

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
    /// Sets values in order, all or none (one transaction); a nil value removes its key.
    func setValues(_ changes: [(key: StateKey, value: String?)]) async throws

    /// Writes intended before a call and closed with its outcome after: a crash leaves it open.
    func openIntent(_ intent: JournalIntent) async throws -> Int64
    func closeIntent(_ id: Int64, outcome: String, at: Date) async throws
    func openIntents() async throws -> [JournalEntry]

    func appendAudit(_ entries: [AuditEntry]) async throws
    /// Newest last.
    func audit(since: Date?, rule: String?, group: String?) async throws -> [AuditEntry]
}

extension StateStore {
    /// Sets one value; nil removes it.
    public func setValue(_ value: String?, for key: StateKey) async throws {
        try await setValues([(key, value)])
    }
}

/// One rule's dealing with one join request. A request is keyed by group, requester and the
/// time it was made, so that a new request after a rejection is a new request.
public struct ActedRequest: Sendable, Hashable, Codable {
    public enum Decision: String, Sendable, Hashable, Codable {
        case approve, reject
        /// The rule fired without deciding (log, webhook, audit mode).
        case none
    }

    public var rule: String
    public var group: GroupJID
    public var requester: UserJID
    /// Seconds since 1970 of the request; 0 when the API gave no time.
    public var requestedAt: Int64
    public var decision: Decision
    public var at: Date

    public init(rule: String, group: GroupJID, requester: UserJID, requestedAt: Int64, decision: Decision, at: Date) {
        self.rule = rule
        self.group = group
        self.requester = requester
        self.requestedAt = requestedAt
        self.decision = decision
        self.at = at
    }
}

public enum StateKind: String, Sendable, Hashable, Codable, CaseIterable {
    case threshold
    case scheduleRun = "schedule_run"
    case drift
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

public struct JournalIntent: Sendable, Hashable, Codable {
    public var session: String
    public var group: String?
    public var operation: String
    public var rules: [String]
    public var targets: [String]
    /// A short description of the change (`announcement=true`); never a secret.
    public var detail: String
    public var at: Date

    public init(session: String, group: String?, operation: String, rules: [String], targets: [String], detail: String, at: Date) {
        self.session = session
        self.group = group
        self.operation = operation
        self.rules = rules
        self.targets = targets
        self.detail = detail
        self.at = at
    }
}

public struct JournalEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var intent: JournalIntent
    public var outcome: String?
    public var closedAt: Date?
}

/// One line of the audit trail: what a rule or policy did, or would have done.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var at: Date
    public var rule: String
    public var group: String
    public var action: String
    public var targets: [String]
    /// `enforce`, `audit` or `dry-run`.
    public var mode: String
    /// `done`, `failed`, `would`, `drift`, `unknown`, `skipped`.
    public var outcome: String
    public var detail: String

    public init(at: Date, rule: String, group: String, action: String, targets: [String], mode: String, outcome: String, detail: String) {
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
