public import Foundation
import Rules
public import State
import WadialAPI
import WadialModels

/// What the status page shows: read from the engine's last look at each session and from the
/// store, never from the API (the page costs no API calls).
public struct EngineStatus: Sendable {
    public struct Session: Sendable {
        public var id: String
        /// `held here (epoch 3)`, `held by HOST:PID:… (epoch 2)`, or `no lease` without leases.
        public var lease: String
        public var lastTick: Date?
    }

    public struct RuleRow: Sendable {
        public var id: String
        public var trigger: String
        /// Text when there is no time to show (`every poll`, threshold phases).
        public var last: String
        public var next: String
        public var lastAt: Date?
        public var nextAt: Date?
    }

    public struct Pending: Sendable {
        public var group: String
        public var subject: String
        /// Each request as `+15551234567 (JID)` or `number unknown (JID)`.
        public var requests: [String]
    }

    public var healthy: Bool
    public var health: String
    public var timezone: String
    public var sessions: [Session]
    public var rules: [RuleRow]
    public var pending: [Pending]
    public var decisions: [AuditEntry]
    public var drift: [(policy: String, group: String, setting: String, value: String)]
    public var handOffs: [HandOff]
}

/// The last view of each session's groups, for the status page.
actor LastViews {
    private var views: [String: (groups: [Snapshot.GroupView], at: Date)] = [:]

    func set(_ session: String, _ groups: [Snapshot.GroupView], at date: Date) {
        views[session] = (groups, date)
    }

    func get(_ session: String) -> (groups: [Snapshot.GroupView], at: Date)? { views[session] }
}

extension Engine {
    public func status(at date: Date) async -> EngineStatus {
        let rules = await rulesBox.rules
        let (healthy, reason) = await health(at: date)
        let leaseRows = await activeLeases?.status() ?? []
        var sessions: [EngineStatus.Session] = []
        var pending: [EngineStatus.Pending] = []
        var handOffs: [HandOff] = []
        for id in options.sessions {
            let lease: String
            if let row = leaseRows.first(where: { $0.session == id }) {
                lease = row.here ? "held here (epoch \(row.epoch))" : "held by \(row.holder) (epoch \(row.epoch))"
            } else {
                lease = activeLeases == nil ? "no leases" : "not held yet"
            }
            let view = await lastViews.get(id)
            sessions.append(.init(id: id, lease: lease, lastTick: view?.at))
            for group in view?.groups ?? [] {
                guard let requests = group.requests, !requests.isEmpty else { continue }
                pending.append(.init(group: group.group.jid.rawValue, subject: group.group.subject ?? "", requests: requests.map(\.described)))
            }
            handOffs += (try? await store.handOffs(session: id)) ?? []
        }
        let runs = (try? await store.values(.scheduleRun)) ?? [:]
        let thresholds = (try? await store.values(.threshold)) ?? [:]
        var rows: [EngineStatus.RuleRow] = []
        for rule in rules.rules {
            switch rule.trigger {
            case .schedule(let trigger):
                let last = runs.filter { $0.key.rule == rule.id }.compactMap { Double($0.value).map(Date.init(timeIntervalSince1970:)) }.max()
                let next = last.flatMap { ScheduleClock.next(after: $0, trigger) }
                rows.append(.init(id: rule.id, trigger: "schedule", last: "not yet",
                                  next: last == nil ? "counted from the first tick" : "-", lastAt: last, nextAt: next))
            case .memberCount:
                let phases = thresholds.filter { $0.key.rule == rule.id }.compactMap { ThresholdPhase(stored: $0.value) }
                let fired = phases.filter { $0 == .fired }.count
                let pendingCount = phases.filter { if case .pending = $0 { true } else { false } }.count
                rows.append(.init(id: rule.id, trigger: "member_count", last: "\(fired) group\(fired == 1 ? "" : "s") fired",
                                  next: "\(pendingCount) pending, \(phases.count - fired - pendingCount) armed", lastAt: nil, nextAt: nil))
            default:
                rows.append(.init(id: rule.id, trigger: "membership_requests", last: "-", next: "every poll (\(RuleDuration.format(rules.settings.pollInterval)))",
                                  lastAt: nil, nextAt: nil))
            }
        }
        let decided = (try? await store.latestDecisions(limit: 100)) ?? []
        let drift = ((try? await store.values(.drift)) ?? [:]).map { (policy: $0.key.rule, group: $0.key.group, setting: $0.key.sub, value: $0.value) }
            .sorted { ($0.policy, $0.group, $0.setting) < ($1.policy, $1.group, $1.setting) }
        return EngineStatus(healthy: healthy, health: reason, timezone: rules.settings.timezone, sessions: sessions, rules: rows, pending: pending,
                            decisions: decided, drift: drift, handOffs: handOffs)
    }
}
