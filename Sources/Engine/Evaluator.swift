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
    /// Each rule's and policy's `groups:` as an index into `targets`: rules sharing a selector
    /// (most do) are matched against a group once per pass.
    let ruleTargets: [Int]
    let policyTargets: [Int]
    let targets: [GroupTargets]
    /// The settings that enforce-mode policies want two ways: only for these are the wants of
    /// the policies holding in each group gathered in every pass (for the others, only in the
    /// groups where a rule sets the setting, `refuseConflicts`).
    let disputedSettings: Set<GroupSetting.ID>
    /// Each policy's `ensure`, as table rows: built once, not per group.
    let policyEnsures: [[(setting: GroupSetting, value: SettingValue)]]

    public init(rules: RuleSet) {
        self.rules = rules
        var index: [GroupTargets: Int] = [:]
        var targets: [GroupTargets] = []
        func id(_ groups: GroupTargets) -> Int {
            if let known = index[groups] { return known }
            index[groups] = targets.count
            targets.append(groups)
            return targets.count - 1
        }
        ruleTargets = rules.rules.map { id($0.groups) }
        policyTargets = rules.policies.map { id($0.groups) }
        self.targets = targets
        var values: [GroupSetting.ID: Set<SettingValue>] = [:]
        for policy in rules.policies where policy.enabled && policy.mode == .enforce {
            for (setting, value) in policy.ensure.known { values[setting.id, default: []].insert(value) }
        }
        disputedSettings = Set(values.filter { $0.value.count > 1 }.keys)
        policyEnsures = rules.policies.map(\.ensure.known)
    }

    public func evaluate(_ snapshot: Snapshot, state: EngineState, now: Date) -> Plan {
        var plan = Plan()
        let enabled = rules.rules.enumerated().filter { $0.element.enabled }
        // A time window's answer depends on `now` only: worked out once per window and pass.
        let windows = TimeWindowMemo(now: now)
        // A schedule's next run depends on its last run only, which most groups share.
        let schedules = ScheduleMemo(now: now)
        // Whether each distinct `groups:` selects each group: once per pass.
        let selection = SelectionMemo(self, groups: snapshot.groups.count)
        evaluateRequests(enabled, snapshot, state, now, windows, selection, into: &plan)
        for (order, rule) in enabled {
            switch rule.trigger {
            case .membershipRequests:
                continue
            case .memberCount(let trigger):
                for (position, view) in snapshot.groups.enumerated() where selection.selects(ruleTargets[order], position, view.group) {
                    guard let count = view.group.size else { continue }
                    let key = StateKey(.threshold, rule: rule.id, group: view.group.jid.rawValue)
                    let previous = state.values[key].flatMap(ThresholdPhase.init(stored:))
                    let (phase, fires) = ThresholdPhase.step(previous, trigger: trigger, count: count, now: now)
                    // A crossing the account may not act on (not an admin there) is not used up:
                    // it fires once the rights are back, if the count is still past the threshold.
                    if fires, !permitted(rule, view) { continue }
                    if phase != previous { plan.stateChanges.append((key, phase.stored)) }
                    guard fires, conditionHolds(rule, view.group, now, windows) else { continue }
                    let direction = switch trigger.threshold {
                    case .above(let value): "above \(value)"
                    case .below(let value): "below \(value)"
                    }
                    add(rule, order, view.group, [], reason: "member count \(count) \(direction)", into: &plan)
                }
            case .schedule(let trigger):
                for (position, view) in snapshot.groups.enumerated() where selection.selects(ruleTargets[order], position, view.group) {
                    let key = StateKey(.scheduleRun, rule: rule.id, group: view.group.jid.rawValue)
                    guard let lastText = state.values[key], let last = Double(lastText).map(Date.init(timeIntervalSince1970:)) else {
                        // First sight: the schedule starts counting now.
                        plan.stateChanges.append((key, String(now.timeIntervalSince1970)))
                        continue
                    }
                    guard let due = schedules.latestDue(after: last, trigger, rule: order) else { continue }
                    // A run the account may not make (not an admin there) stays owed.
                    if !permitted(rule, view) { continue }
                    plan.stateChanges.append((key, String(now.timeIntervalSince1970)))
                    let missed = now.timeIntervalSince(due) > Self.lateness(rules.settings)
                    if missed && trigger.missed == .skip { continue }
                    guard conditionHolds(rule, view.group, now, windows) else { continue }
                    let iso = ISO8601DateFormatter().string(from: due)
                    add(rule, order, view.group, [], reason: missed ? "missed run of \(iso), run once" : "scheduled at \(iso)", into: &plan)
                }
            }
        }
        let wanted = evaluatePolicies(snapshot, state, now, windows, selection, into: &plan)
        refuseConflicts(wanted, now, windows, into: &plan)
        return plan
    }

    /// A setting of a group that two of the plan's rules, or a rule and the enforce-mode policies
    /// holding there, or two such policies want set to different values is set by none of them:
    /// a refused rule's firing in that group is dropped whole (its later steps depended on it)
    /// and its threshold phase or schedule run is not stamped, so that it fires once only one
    /// wants the setting; the policies' corrections of it are dropped too. A rule that sets a
    /// setting more than once (`set_locked: true`, `rotate_invite`, `set_locked: false`) wants
    /// the last value. Where a surviving rule sets what the policies want, the policies'
    /// correction is dropped: the rule's write does it, once.
    private func refuseConflicts(_ disputed: [GroupJID: PolicyWants], _ now: Date, _ windows: TimeWindowMemo, into plan: inout Plan) {
        struct Slot: Hashable {
            let group: GroupJID
            let setting: GroupSetting.ID
        }
        var wants: [Slot: [(source: String, isPolicy: Bool, value: SettingValue)]] = [:]
        var groups: [GroupJID: Group] = [:]
        // The rules' setting steps, in step order (few: rules that change settings fire rarely).
        let settingSteps = plan.actions.filter { action in
            guard !action.isPolicy, action.mode == .enforce, case .rule(.setting) = action.step else { return false }
            return true
        }.sorted { ($0.order, $0.index) < ($1.order, $1.index) }
        for action in settingSteps {
            guard case .rule(.setting(let change)) = action.step else { continue }
            let slot = Slot(group: action.group.jid, setting: change.id)
            // Each rule once, with the value it leaves the setting at.
            wants[slot, default: []].removeAll { $0.source == action.source }
            wants[slot, default: []].append((action.source, false, change.value))
            groups[action.group.jid] = action.group
        }
        // Policies count only where something else is wanted: they always want their values.
        // Where a rule sets a setting, the enforce-mode policies holding in that group are asked
        // what they want of it; where policies want it two ways, the pass gathered it already.
        var policyWants = disputed
        for slot in wants.keys where !disputedSettings.contains(slot.setting) {
            guard let group = groups[slot.group] else { continue }
            let context = ConditionContext(group: group, request: nil, now: now, windows: windows)
            for policy in rules.policies where policy.enabled && policy.mode == .enforce {
                guard let value = policy.ensure[slot.setting], rules.selects(policy.groups, group),
                      policy.condition.map(context.holds) ?? true else { continue }
                policyWants[slot.group, default: PolicyWants(group: group)].settings[slot.setting, default: []].append((policy.id, value))
            }
        }
        for (group, wanted) in policyWants {
            groups[group] = groups[group] ?? wanted.group
            for (setting, entries) in wanted.settings {
                let slot = Slot(group: group, setting: setting)
                guard wants[slot] != nil || Set(entries.map(\.1)).count > 1 else { continue }
                wants[slot, default: []].append(contentsOf: entries.map { (source: $0.0, isPolicy: true, value: $0.1) })
            }
        }
        var refused: [GroupJID: Set<String>] = [:]
        for (slot, entries) in wants where Set(entries.map(\.value)).count > 1 {
            guard let group = groups[slot.group] else { continue }
            plan.conflicts.append(PlannedConflict(group: group, setting: slot.setting.setting, wants: entries))
            refused[slot.group, default: []].formUnion(entries.filter { !$0.isPolicy }.map(\.source))
            plan.actions.removeAll { action in
                guard action.isPolicy, action.group.jid == slot.group, case .setting(let change) = action.step else { return false }
                return change.id == slot.setting
            }
        }
        if !refused.isEmpty {
            plan.actions.removeAll { !$0.isPolicy && refused[$0.group.jid]?.contains($0.source) == true }
            plan.stateChanges.removeAll { change in
                guard change.key.kind == .threshold || change.key.kind == .scheduleRun, let jid = GroupJID(change.key.group) else { return false }
                return refused[jid]?.contains(change.key.rule) == true
            }
        }
        for (slot, entries) in wants where Set(entries.map(\.value)).count == 1 {
            let rulesLeft = entries.contains { !$0.isPolicy && refused[slot.group]?.contains($0.source) != true }
            guard rulesLeft else { continue }
            plan.actions.removeAll { action in
                guard action.isPolicy, action.group.jid == slot.group, case .setting(let change) = action.step else { return false }
                return change.id == slot.setting
            }
        }
        if plan.conflicts.count > 1 {
            plan.conflicts.sort { ($0.group.jid.rawValue, $0.setting.key) < ($1.group.jid.rawValue, $1.setting.key) }
        }
    }

    /// Whether the account may do what `rule` does in the group: a rule whose steps need admin
    /// rights does not fire where the account is known not to be an admin (`AccountRights.
    /// withoutRights` says which groups and rules, for `run`'s report and `plan`).
    private func permitted(_ rule: Rule, _ view: Snapshot.GroupView) -> Bool {
        view.accountIsAdmin != false || !rule.actions.contains(where: { $0.kind.needsAdmin })
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
    private func evaluateRequests(_ enabled: [(offset: Int, element: Rule)], _ snapshot: Snapshot, _ state: EngineState, _ now: Date, _ windows: TimeWindowMemo,
                                  _ selection: SelectionMemo, into plan: inout Plan) {
        let requestRules = enabled.compactMap { RequestRule(order: $0.offset, rule: $0.element) }
        guard !requestRules.isEmpty else { return }
        let anyCondition = requestRules.contains { $0.condition != nil }
        for (groupPosition, view) in snapshot.groups.enumerated() {
            guard let pending = view.requests, !pending.isEmpty else { continue }
            let acted = ActedIndex(state.acted[view.group.jid] ?? [])
            // Identities matter only where something was acted on before (most groups, most ticks: nothing).
            let identities = acted.isEmpty ? [] : pending.map { RequestIdentity($0.jid, $0.requestKey) }
            // What conditions read of each requester, once per group rather than per rule (and
            // not at all when no request rule has a condition).
            let requesters = anyCondition ? pending.map(Requester.init) : []
            let times = pending.map(\.requestedAt)
            // Per rule (by position in `requestRules`), the indices in `pending` of the requests it matched.
            var matches = [[Int]](repeating: [], count: requestRules.count)
            let context = ConditionContext(group: view.group, request: nil, now: now, windows: windows)
            for position in requestRules.indices where selection.selects(ruleTargets[requestRules[position].order], groupPosition, view.group) {
                let candidate = requestRules[position]
                for index in pending.indices {
                    let identity = identities.isEmpty ? nil : identities[index]
                    let requester = anyCondition ? requesters[index] : .absent
                    guard candidate.miss(madeAt: times[index], identity: identity, acted: acted, context: context, requester: requester) == nil
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
    /// What the enforce-mode policies holding in one group want of its settings.
    struct PolicyWants {
        var group: Group
        var settings: [GroupSetting.ID: [(String, SettingValue)]] = [:]
    }

    /// Returns what the enforce-mode policies that hold want, per group (for `refuseConflicts`).
    private func evaluatePolicies(_ snapshot: Snapshot, _ state: EngineState, _ now: Date, _ windows: TimeWindowMemo, _ selection: SelectionMemo,
                                  into plan: inout Plan) -> [GroupJID: PolicyWants] {
        var wanted: [GroupJID: PolicyWants] = [:]
        let base = rules.rules.count
        for (offset, policy) in rules.policies.enumerated() where policy.enabled {
            for (position, view) in snapshot.groups.enumerated() where selection.selects(policyTargets[offset], position, view.group) {
                // A policy with `if:` holds only while its condition does (fail closed: a member
                // count or setting that is not known does not hold).
                if let condition = policy.condition, !ConditionContext(group: view.group, request: nil, now: now, windows: windows).holds(condition) {
                    continue
                }
                if view.accountIsAdmin == false, policy.mode == .enforce { continue }
                if policy.mode == .enforce, !disputedSettings.isEmpty {
                    for (setting, value) in policyEnsures[offset] where disputedSettings.contains(setting.id) {
                        wanted[view.group.jid, default: PolicyWants(group: view.group)].settings[setting.id, default: []].append((policy.id, value))
                    }
                }
                var changes = 0
                for difference in view.group.settings.differences(from: policyEnsures[offset]) {
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
        return wanted
    }
}

/// Whether each distinct `groups:` of a rule set selects each group of a snapshot, worked out at
/// most once per pass (a selector's subject pattern is a regular expression).
final class SelectionMemo {
    private let evaluator: Evaluator
    private let width: Int
    /// Per (group, targets): 0 not known yet, 1 no, 2 yes.
    private var answers: [UInt8]

    init(_ evaluator: Evaluator, groups: Int) {
        self.evaluator = evaluator
        width = max(evaluator.targets.count, 1)
        answers = [UInt8](repeating: 0, count: groups * width)
    }

    func selects(_ targets: Int, _ position: Int, _ group: Group) -> Bool {
        let slot = position * width + targets
        switch answers[slot] {
        case 1: return false
        case 2: return true
        default:
            let answer = evaluator.rules.selects(evaluator.targets[targets], group)
            answers[slot] = answer ? 2 : 1
            return answer
        }
    }
}
