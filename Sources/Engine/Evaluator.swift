public import Foundation
public import Rules
import State
import WadialAPI
import WadialModels

/// The rules engine's decision function: (rule set, snapshot, state, now) -> plan.
///
/// Pure: no I/O, no clock, no randomness, so it is tested without servers and benchmarked alone.
public struct Evaluator: Sendable {
    public let rules: RuleSet

    public init(rules: RuleSet) {
        self.rules = rules
    }

    /// Whether `targets` selects `group` (`RuleSet.selects`).
    func selects(_ targets: GroupTargets, _ group: Group) -> Bool {
        rules.selects(targets, jid: group.jid, subject: group.subject)
    }

    public func evaluate(_ snapshot: Snapshot, state: EngineState, now: Date) -> Plan {
        var plan = Plan()
        let enabled = rules.rules.enumerated().filter { $0.element.enabled }
        // A time window's answer depends on `now` only: worked out once per window and pass.
        let windows = TimeWindowMemo(now: now)
        // A schedule's next run depends on its last run only, which most groups share.
        let schedules = ScheduleMemo(now: now)
        evaluateRequests(enabled, snapshot, state, now, windows, into: &plan)
        for (order, rule) in enabled {
            switch rule.trigger {
            case .membershipRequests:
                continue
            case .memberCount(let trigger):
                for view in snapshot.groups where selects(rule.groups, view.group) {
                    guard let count = view.group.size else { continue }
                    let key = StateKey(.threshold, rule: rule.id, group: view.group.jid.rawValue)
                    let previous = state.values[key].flatMap(ThresholdPhase.init(stored:))
                    let (phase, fires) = ThresholdPhase.step(previous, trigger: trigger, count: count, now: now)
                    if phase != previous { plan.stateChanges.append((key, phase.stored)) }
                    guard fires, conditionHolds(rule, view.group, now, windows) else { continue }
                    let direction = switch trigger.threshold {
                    case .above(let value): "above \(value)"
                    case .below(let value): "below \(value)"
                    }
                    add(rule, order, view.group, [], reason: "member count \(count) \(direction)", into: &plan)
                }
            case .schedule(let trigger):
                for view in snapshot.groups where selects(rule.groups, view.group) {
                    let key = StateKey(.scheduleRun, rule: rule.id, group: view.group.jid.rawValue)
                    guard let lastText = state.values[key], let last = Double(lastText).map(Date.init(timeIntervalSince1970:)) else {
                        // First sight: the schedule starts counting now.
                        plan.stateChanges.append((key, String(now.timeIntervalSince1970)))
                        continue
                    }
                    guard let due = schedules.latestDue(after: last, trigger, rule: order) else { continue }
                    plan.stateChanges.append((key, String(now.timeIntervalSince1970)))
                    let missed = now.timeIntervalSince(due) > Self.lateness(rules.settings)
                    if missed && trigger.missed == .skip { continue }
                    guard conditionHolds(rule, view.group, now, windows) else { continue }
                    let iso = ISO8601DateFormatter().string(from: due)
                    add(rule, order, view.group, [], reason: missed ? "missed run of \(iso), run once" : "scheduled at \(iso)", into: &plan)
                }
            }
        }
        evaluatePolicies(snapshot, state, into: &plan)
        return plan
    }

    /// How late a schedule may run and still count as on time (not missed while stopped).
    static func lateness(_ settings: Settings) -> TimeInterval {
        max(60, 2 * Double(settings.pollInterval.components.seconds))
    }

    /// A group-level rule's condition (thresholds, schedules); request rules hold one context per group.
    private func conditionHolds(_ rule: Rule, _ group: Group, _ now: Date, _ windows: TimeWindowMemo) -> Bool {
        guard let condition = rule.condition else { return true }
        return ConditionContext(group: group, request: nil, now: now, windows: windows).holds(condition)
    }

    private func limit(_ rule: Rule) -> Int {
        rule.maxActionsPerRun ?? rules.settings.limits.maxActionsPerRun
    }

    /// Join requests: each rule fires for the pending requests it has not acted on and whose
    /// conditions hold. Among rules that decide (approve/reject) in enforce mode, each request
    /// goes to the highest priority, then the earliest rule: one decision per request.
    private func evaluateRequests(_ enabled: [(offset: Int, element: Rule)], _ snapshot: Snapshot, _ state: EngineState, _ now: Date, _ windows: TimeWindowMemo, into plan: inout Plan) {
        let requestRules = enabled.compactMap { RequestRule(order: $0.offset, rule: $0.element) }
        guard !requestRules.isEmpty else { return }
        let anyCondition = requestRules.contains { $0.condition != nil }
        for view in snapshot.groups {
            guard let pending = view.requests, !pending.isEmpty else { continue }
            let acted = ActedIndex(state.acted[view.group.jid] ?? [])
            // Identities matter only where something was acted on before (most groups, most ticks: nothing).
            let identities = acted.isEmpty ? [] : pending.map { RequestIdentity($0.jid, $0.requestKey) }
            // What conditions read of each requester, once per group rather than per rule (and
            // not at all when no request rule has a condition).
            let requesters = anyCondition ? pending.map(Requester.init) : []
            // Per rule (by position in `requestRules`), the indices in `pending` of the requests it matched.
            var matches = [[Int]](repeating: [], count: requestRules.count)
            let context = ConditionContext(group: view.group, request: nil, now: now, windows: windows)
            for position in requestRules.indices where selects(requestRules[position].groups, view.group) {
                for index in pending.indices {
                    let identity = identities.isEmpty ? nil : identities[index]
                    let requester = anyCondition ? requesters[index] : .absent
                    guard requestRules[position].miss(pending[index], identity: identity, acted: acted, context: context, requester: requester) == nil
                    else { continue }
                    matches[position].append(index)
                }
            }
            // One decision per request: the winning deciding rule keeps it, the others lose it.
            var winner = [Int?](repeating: nil, count: pending.count)
            for position in requestRules.indices where requestRules[position].contends {
                for index in matches[position] {
                    if let current = winner[index], requestRules[current].priority >= requestRules[position].priority { continue }
                    winner[index] = position
                }
            }
            for (position, candidate) in requestRules.enumerated() where !matches[position].isEmpty {
                var mine = matches[position].filter { !candidate.contends || winner[$0] == position }.map { pending[$0] }
                guard !mine.isEmpty else { continue }
                // Oldest first; the rest waits for the next evaluation.
                mine.sort { ($0.requestedAt ?? now) < ($1.requestedAt ?? now) }
                let batch = Array(mine.prefix(limit(candidate.rule)))
                add(candidate.rule, candidate.order, view.group, batch, reason: "\(batch.count) pending request\(batch.count == 1 ? "" : "s") matched", into: &plan)
            }
        }
    }

    private func add(_ rule: Rule, _ order: Int, _ group: Group, _ requests: [MembershipRequest], reason: String, into plan: inout Plan) {
        // The blast radius is bounded by the requests batch (see `limit`); steps run in full.
        for (index, action) in rule.actions.enumerated() {
            plan.actions.append(PlannedAction(
                source: rule.id, isPolicy: false, mode: rule.mode, order: order, index: index, group: group, step: .rule(action),
                requests: requests, reason: reason, deliverWithin: rule.deliverWithin))
        }
    }

    /// Policies: each setting they name that differs from the group's known value is drift. In
    /// enforce mode it is set back; in audit mode it is reported once per drift.
    private func evaluatePolicies(_ snapshot: Snapshot, _ state: EngineState, into plan: inout Plan) {
        let base = rules.rules.count
        for (offset, policy) in rules.policies.enumerated() where policy.enabled {
            for view in snapshot.groups where selects(policy.groups, view.group) {
                var changes = 0
                for difference in view.group.settings.differences(from: policy.ensure) {
                    let key = StateKey(.drift, rule: policy.id, group: view.group.jid.rawValue, sub: difference.setting.key)
                    guard let current = difference.current else { continue }
                    guard difference.differs else {
                        if state.values[key] != nil { plan.stateChanges.append((key, nil)) }
                        continue
                    }
                    let currentText = difference.setting.ruleText(current)
                    let reason = "\(difference.setting.key) is \(currentText), policy wants \(difference.setting.ruleText(difference.desired))"
                    switch policy.mode {
                    case .enforce:
                        guard changes < rules.settings.limits.maxActionsPerRun else { continue }
                        changes += 1
                        plan.actions.append(PlannedAction(
                            source: policy.id, isPolicy: true, mode: .enforce, order: base + offset, index: changes - 1, group: view.group,
                            step: .setting(difference.change), requests: [], reason: reason))
                    case .audit:
                        // Stored as earlier versions stored it (seconds for durations), so that an
                        // upgrade does not report known drift again.
                        let stored = difference.setting.storedText(current)
                        guard state.values[key] != stored else { continue }
                        plan.stateChanges.append((key, stored))
                        plan.notes.append(PlannedNote(source: policy.id, group: view.group.jid, action: difference.change.actionName, detail: reason))
                    }
                }
            }
        }
    }
}
