public import Foundation
public import WadialModels

/// The state store in memory: rule tests and `--once` runs without a file.
public actor MemoryStateStore: StateStore {
    private var acted: [String: ActedRequest] = [:]
    private var state: [StateKey: String] = [:]
    private var journal: [JournalEntry] = []
    private var trail: [AuditEntry] = []
    private var handOffs: [String: HandOff] = [:]
    private var nextIntent: Int64 = 0
    private var leaseBook: [String: Lease] = [:]
    private var instances: [String: Date] = [:]

    public init() {}

    private static func key(_ record: ActedRequest) -> String {
        "\(record.rule)|\(record.group.rawValue)|\(record.requester.rawValue)|\(record.requestedAt)"
    }

    public func actedRequests(group: GroupJID, requesters: [UserJID]) -> [ActedRequest] {
        let wanted = Set(requesters)
        return acted.values.filter { $0.group == group && wanted.contains($0.requester) }.sorted { ($0.at, $0.rule) < ($1.at, $1.rule) }
    }

    public func recordActed(_ records: [ActedRequest]) {
        for record in records { acted[Self.key(record)] = record }
    }

    public func values(_ kind: StateKind) -> [StateKey: String] {
        state.filter { $0.key.kind == kind }
    }

    public func commit(_ changes: [(key: StateKey, value: String?)], handOffs: [HandOff]) {
        for (key, value) in changes { state[key] = value }
        for handOff in handOffs { self.handOffs[handOff.id] = handOff }
    }

    public func saveHandOff(_ handOff: HandOff) {
        handOffs[handOff.id] = handOff
    }

    /// Memory cannot vanish under the engine.
    public func checkIdentity() {}

    public func removeHandOff(id: String) {
        handOffs[id] = nil
    }

    public func handOffs(session: String) -> [HandOff] {
        handOffs.values.filter { $0.session == session }.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    public func openIntent(_ intent: JournalIntent) throws -> Int64 {
        if intent.epoch > 0 {
            let lease = leaseBook[intent.session]
            guard let lease, lease.epoch == intent.epoch, lease.isHeld(at: intent.at) else {
                throw LeaseFenced(session: intent.session, epoch: intent.epoch, current: lease)
            }
        }
        nextIntent += 1
        let id = nextIntent
        journal.append(JournalEntry(id: id, intent: intent, outcome: nil, closedAt: nil))
        return id
    }

    public func closeIntent(_ id: Int64, outcome: String, at: Date) {
        guard let index = journal.firstIndex(where: { $0.id == id }) else { return }
        journal[index].outcome = outcome
        journal[index].closedAt = at
    }

    public func openIntents() -> [JournalEntry] {
        journal.filter { $0.outcome == nil }
    }

    public func appendAudit(_ entries: [AuditEntry]) {
        trail += entries
    }

    public func latestDecisions(limit: Int) -> [AuditEntry] {
        Array(trail.reversed().filter { $0.action.hasSuffix("_requests") }.prefix(max(limit, 0)))
    }

    public func audit(since: Date?, rule: String?, group: String?) -> [AuditEntry] {
        trail.filter { entry in
            (since.map { entry.at >= $0 } ?? true) && (rule.map { entry.rule == $0 } ?? true) && (group.map { entry.group == $0 } ?? true)
        }
    }

    public func claimLease(session: String, holder: String, until expires: Date, now: Date, replacing dead: String?) -> LeaseClaim {
        let current = leaseBook[session]
        let claim = LeaseProtocol.claim(current, session: session, holder: holder, until: expires, now: now, replacing: dead)
        if case .held(let lease) = claim { leaseBook[session] = lease }
        return claim
    }

    public func releaseLease(session: String, holder: String, now: Date) {
        guard var lease = leaseBook[session], lease.holder == holder else { return }
        lease.holder = ""
        lease.expires = now
        leaseBook[session] = lease
    }

    public func leases() -> [Lease] {
        leaseBook.values.sorted { $0.session < $1.session }
    }

    public func heartbeat(instance: String, until expires: Date, now: Date) -> [LiveInstance] {
        instances[instance] = expires
        return instances.filter { $0.value > now }.map { LiveInstance(id: $0.key, expires: $0.value) }.sorted { $0.id < $1.id }
    }

    public func removeInstance(_ id: String) {
        instances[id] = nil
    }

    public func touchActed(_ records: [ActedRequest], at date: Date) {
        for record in records {
            acted[Self.key(record)]?.seen = date
        }
    }

    public func prune(_ retention: Retention, now: Date, batch: Int, dryRun: Bool) -> PruneReport {
        let limit = max(batch, 0)
        let auditCut = now.addingTimeInterval(-retention.audit)
        let journalCut = now.addingTimeInterval(-retention.journal)
        let actedCut = now.addingTimeInterval(-retention.acted)
        let oldAudit = trail.indices.filter { trail[$0].at < auditCut }.prefix(limit)
        let oldJournal = journal.indices.filter { journal[$0].closedAt.map { $0 < journalCut } ?? false }.prefix(limit)
        let oldActed = acted.filter { max($0.value.at, $0.value.seen ?? $0.value.at) < actedCut }.map(\.key).sorted().prefix(limit)
        let report = PruneReport(audit: oldAudit.count, journal: oldJournal.count, acted: oldActed.count)
        guard !dryRun else { return report }
        for index in oldAudit.reversed() { trail.remove(at: index) }
        for index in oldJournal.reversed() { journal.remove(at: index) }
        for key in oldActed { acted[key] = nil }
        return report
    }
}
