import Foundation
import Logging
import ServiceLifecycle
import Rules
import State
import WadialAPI
import WadialModels

/// Busy groups read more often: between ticks, while the engine would sleep, the groups whose
/// join requests were seen in the last few ticks have their requests read again and decided,
/// every `busyInterval`, but only with budget to spare (more than half the request budget free),
/// so the quiet groups' turn (every tick) never waits for them.
extension Engine {
    /// How often busy groups are read between ticks: a quarter of the poll interval, at least 5 s;
    /// nil when that is not sooner than the next tick.
    static func busyInterval(poll: Duration) -> Duration? {
        let interval = max(poll / 4, .seconds(5))
        return interval < poll ? interval : nil
    }

    /// The request rules a between-ticks read may run: enabled, in any mode, whose steps only
    /// decide, log or post (a rule that changes settings waits for the tick, where policies and
    /// conflicts are weighed on a fresh view of the group).
    static func busyRules(_ rules: RuleSet) -> RuleSet {
        var only = rules
        only.rules = rules.rules.filter { rule in
            guard rule.enabled, case .membershipRequests = rule.trigger else { return false }
            return rule.actions.allSatisfy { action in
                switch action.kind {
                case .decide, .log, .webhook: true
                default: false
                }
            }
        }
        only.policies = []
        return only
    }

    /// Reads the busy groups of `session` again and decides their requests (between ticks).
    /// Returns the plan it carried out, nil when it read nothing.
    @discardableResult
    func readBusyGroups(session: String, at date: Date) async -> Plan? {
        if let leases = activeLeases, await leases.epoch(session) == nil { return nil }
        guard !(await disconnected.contains(session)), !Task.isShuttingDownGracefully else { return nil }
        if let budget = client as? any BudgetReporting, await budget.spareRequestShare() <= 0.5 { return nil }
        let all = await rulesBox.rules
        let rules = Self.busyRules(all)
        guard !rules.rules.isEmpty else { return nil }
        let busy = await busyGroups.groups(session)
        guard !busy.isEmpty, let last = await lastViews.get(session) else { return nil }
        // A group whose decision may be open in the journal waits for the tick's reconciliation.
        let open: [JournalEntry]
        do { open = options.dryRun ? [] : try await store.openIntents() } catch { return nil }
        let unsettled = Set(open.filter { $0.intent.session == session }.compactMap(\.intent.group))
        var plan = Plan()
        for view in last.groups where busy.contains(view.group.jid) && view.requestsUnread == nil && view.accountIsAdmin != false
            && !unsettled.contains(view.group.jid.rawValue) {
            guard !Task.isShuttingDownGracefully else { break }
            // Only where every request rule of the group may run here: a rule left for the tick
            // could take a request by priority, and must not lose it to one that runs now.
            guard rules.rules.contains(where: { rules.selects($0.groups, view.group) }),
                  !all.rules.contains(where: { rule in
                      guard rule.enabled, case .membershipRequests = rule.trigger, all.selects(rule.groups, view.group) else { return false }
                      return !rules.rules.contains { $0.id == rule.id }
                  }) else { continue }
            // A failed read waits for the tick, which reads the group again (and says so).
            guard case .read(let requests) = await fetcher.requests(session: session, view.group.jid, now: date), !requests.isEmpty else { continue }
            var fresh = view
            fresh.requests = requests
            let snapshot = Snapshot(session: session, takenAt: date, groups: [fresh], listed: last.groups.map(\.group))
            guard let state = try? await loadState(for: snapshot, values: [:]) else { continue }
            let groupPlan = Evaluator(rules: rules).evaluate(snapshot, state: state, now: date)
            guard !groupPlan.actions.isEmpty else { continue }
            _ = await executor.execute(groupPlan, session: session, now: now)
            plan.merge(groupPlan)
        }
        return plan.actions.isEmpty ? nil : plan
    }
}
