import Foundation
import Rules
import WadialAPI
import WadialModels

/// The plans of a tick's groups, handed from its reads to its writes as each group is evaluated:
/// one reader puts, one writer takes everything queued at once (one store transaction for it).
actor PlanQueue {
    private var pending: [Plan] = []
    private var finished = false
    private var waiter: CheckedContinuation<Void, Never>?
    /// The writer stopped (the store could not be written): nothing more is sent this tick.
    private(set) var stopped = false

    func put(_ plan: Plan) {
        pending.append(plan)
        wake()
    }

    /// No more plans come; the writer ends once it has taken what is queued.
    func finish() {
        finished = true
        wake()
    }

    func stop() {
        stopped = true
        pending = []
    }

    /// Everything queued, waiting for something when nothing is; nil once finished and drained.
    func take() async -> [Plan]? {
        while pending.isEmpty, !finished, !stopped {
            await withCheckedContinuation { waiter = $0 }
        }
        guard !pending.isEmpty, !stopped else { return nil }
        defer { pending = [] }
        return pending
    }

    private func wake() {
        waiter?.resume()
        waiter = nil
    }
}

/// Which groups a tick reads first: those whose join requests were seen lately (a group that had
/// requests tends to get more), then the rest in the order the API lists them. Every group is
/// still read on every tick: the order only brings the busy groups' decisions forward.
actor ReadOrder {
    /// A group counts as busy for this many ticks after its requests were last seen.
    static let busyTicks = 3

    fileprivate var tick: [String: Int] = [:]
    fileprivate var lastSeen: [String: [GroupJID: Int]] = [:]

    /// `listed`, busy groups first (most recently busy first), starting a new tick of `session`.
    func order(_ listed: [Group], session: String) -> [Group] {
        let now = (tick[session] ?? 0) + 1
        tick[session] = now
        let seen = lastSeen[session] ?? [:]
        let busy = listed.enumerated().filter { seen[$0.element.jid].map { now - $0 <= Self.busyTicks } ?? false }
        guard !busy.isEmpty else { return listed }
        let sorted = busy.sorted { (seen[$0.element.jid] ?? 0, -$0.offset) > (seen[$1.element.jid] ?? 0, -$1.offset) }.map(\.element)
        let busyJIDs = Set(sorted.map(\.jid))
        return sorted + listed.filter { !busyJIDs.contains($0.jid) }
    }

    /// Pending requests were read in `group` on this tick.
    func sawRequests(_ group: GroupJID, session: String) {
        lastSeen[session, default: [:]][group] = tick[session] ?? 0
    }
}

extension Plan {
    /// Whether executing it would do or keep anything.
    var isEmpty: Bool { actions.isEmpty && stateChanges.isEmpty && notes.isEmpty && conflicts.isEmpty }

    /// The plans of several groups as one.
    mutating func merge(_ other: Plan) {
        actions += other.actions
        stateChanges += other.stateChanges
        notes += other.notes
        withoutRights += other.withoutRights
        conflicts += other.conflicts
    }
}

extension ExecutionReport {
    mutating func merge(_ other: ExecutionReport) {
        entries += other.entries
        writes += other.writes
        failures += other.failures
        stateFailure = stateFailure ?? other.stateFailure
        handOffs.formUnion(other.handOffs)
    }
}

extension ReadOrder {
    /// The groups of `session` whose requests were seen in its last `busyTicks` ticks.
    func busyGroups(_ session: String) -> Set<GroupJID> {
        let now = tick[session] ?? 0
        return Set((lastSeen[session] ?? [:]).filter { now - $0.value < Self.busyTicks }.keys)
    }
}
