public import Foundation
public import WadialModels

/// The state store in memory: rule tests and `--once` runs without a file.
public actor MemoryStateStore: StateStore {
    private var acted: [String: ActedRequest] = [:]
    private var state: [StateKey: String] = [:]
    private var journal: [JournalEntry] = []
    private var trail: [AuditEntry] = []
    private var handOffs: [String: HandOff] = [:]

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

    public func openIntent(_ intent: JournalIntent) -> Int64 {
        let id = Int64(journal.count + 1)
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

    public func audit(since: Date?, rule: String?, group: String?) -> [AuditEntry] {
        trail.filter { entry in
            (since.map { entry.at >= $0 } ?? true) && (rule.map { entry.rule == $0 } ?? true) && (group.map { entry.group == $0 } ?? true)
        }
    }
}
