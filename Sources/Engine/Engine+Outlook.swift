public import Foundation
public import Rules
public import State
import WadialAPI
import WadialModels

/// What `plan` shows beyond this evaluation: the schedule runs coming up within a horizon, and
/// each threshold's phase per group, even before the engine has ever run.
public struct Outlook: Sendable {
    public struct Run: Sendable {
        public var rule: String
        public var group: String
        public var at: Date
        /// `first run counts from the first tick` style notes, when there is no time.
        public var note: String?
    }

    public struct Phase: Sendable {
        public var rule: String
        public var group: String
        public var subject: String
        /// `armed`, `pending since …`, `fired`, or `not seen yet`.
        public var phase: String
        public var pendingSince: Date?
    }

    public var runs: [Run]
    public var phases: [Phase]
}

extension Engine {
    /// How many coming runs `plan` lists per rule and group.
    static var outlookRunsShown: Int { 50 }

    /// The schedule runs due from `date` until `date + horizon` (at most 200), and every
    /// threshold's phase in the groups of `snapshot`.
    public func outlook(_ snapshot: Snapshot, at date: Date, horizon: TimeInterval) async -> Outlook {
        let rules = await rulesBox.rules
        let runs = (try? await store.values(.scheduleRun)) ?? [:]
        let thresholds = (try? await store.values(.threshold)) ?? [:]
        let end = date.addingTimeInterval(max(horizon, 0))
        var upcoming: [Outlook.Run] = []
        var phases: [Outlook.Phase] = []
        for rule in rules.rules where rule.enabled {
            for view in snapshot.groups where rules.selects(rule.groups, view.group) {
                let group = view.group.jid.rawValue
                switch rule.trigger {
                case .schedule(let trigger):
                    let key = StateKey(.scheduleRun, rule: rule.id, group: group)
                    let last = runs[key].flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
                    if last == nil, case .every = trigger.timing {
                        // An interval counts from the first tick that sees the group.
                        if let first = ScheduleClock.next(after: date, trigger), first <= end {
                            upcoming.append(.init(rule: rule.id, group: group, at: first, note: "if the engine starts now"))
                        }
                        continue
                    }
                    var cursor = max(last ?? date, date.addingTimeInterval(-1))
                    var count = 0
                    while let next = ScheduleClock.next(after: cursor, trigger), next <= end {
                        // At most 50 runs per rule and group; the last shown says the rest is left out.
                        guard count < Self.outlookRunsShown else {
                            if let index = upcoming.indices.last { upcoming[index].note = "and more before the horizon (\(Self.outlookRunsShown) shown)" }
                            break
                        }
                        upcoming.append(.init(rule: rule.id, group: group, at: next, note: nil))
                        cursor = next
                        count += 1
                    }
                case .memberCount:
                    let key = StateKey(.threshold, rule: rule.id, group: group)
                    let phase = thresholds[key].flatMap(ThresholdPhase.init(stored:))
                    var text = "not seen yet (the first tick sets the baseline)"
                    var since: Date?
                    switch phase {
                    case .armed?: text = "armed"
                    case .fired?: text = "fired (re-arms when the count is back)"
                    case .pending(let start)?:
                        text = "pending"
                        since = start
                    case nil: break
                    }
                    phases.append(.init(rule: rule.id, group: group, subject: view.group.subject ?? "", phase: text, pendingSince: since))
                default:
                    continue
                }
            }
        }
        upcoming.sort { ($0.at, $0.rule, $0.group) < ($1.at, $1.rule, $1.group) }
        return Outlook(runs: Array(upcoming.prefix(200)), phases: phases)
    }
}

extension Outlook {
    /// Each enabled schedule rule's next run after `date`, from the runs the store remembers
    /// (the earliest over its groups); nil for one that has not run yet and counts from the
    /// first tick (`every:`). For the start line of `run`.
    public static func nextRuns(_ rules: RuleSet, store: any StateStore, after date: Date) async -> [(rule: String, at: Date?)] {
        let runs = (try? await store.values(.scheduleRun)) ?? [:]
        var result: [(rule: String, at: Date?)] = []
        for rule in rules.rules where rule.enabled {
            guard case .schedule(let trigger) = rule.trigger else { continue }
            let lasts = runs.filter { $0.key.rule == rule.id }.compactMap { Double($0.value).map(Date.init(timeIntervalSince1970:)) }
            var next: Date?
            if let last = lasts.min() {
                next = ScheduleClock.next(after: max(last, date.addingTimeInterval(-1)), trigger)
            } else if case .cron = trigger.timing {
                next = ScheduleClock.next(after: date, trigger)
            }
            result.append((rule.id, next))
        }
        return result
    }
}
