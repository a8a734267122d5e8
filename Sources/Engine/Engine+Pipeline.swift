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

/// Which groups were busy lately: those whose join requests were seen in the last `busyTicks`
/// ticks, which are read again between ticks (`Engine.readBusyGroups`). The tick itself reads
/// every group in the order the API lists them, the same order every tick: under a budget that
/// binds, moving a group forward in one tick and back in the next would make it wait up to two
/// ticks, and a steady order reads each group exactly once per tick.
actor BusyGroups {
    /// A group counts as busy for this many ticks after its requests were last seen.
    static let busyTicks = 3

    private var tick: [String: Int] = [:]
    private var lastSeen: [String: [GroupJID: Int]] = [:]

    /// A new tick of `session` begins.
    func startTick(_ session: String) {
        tick[session] = (tick[session] ?? 0) + 1
    }

    /// Pending requests were read in `group` on this tick.
    func sawRequests(_ group: GroupJID, session: String) {
        lastSeen[session, default: [:]][group] = tick[session] ?? 0
    }

    /// The groups of `session` whose requests were seen in its last `busyTicks` ticks.
    func groups(_ session: String) -> Set<GroupJID> {
        let now = tick[session] ?? 0
        return Set((lastSeen[session] ?? [:]).filter { now - $0.value < Self.busyTicks }.keys)
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
