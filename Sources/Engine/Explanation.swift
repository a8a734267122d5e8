public import Foundation
public import Rules
import State
public import WadialAPI
public import WadialModels

/// Why each rule would or would not act on one pending request: `wadial-rules explain`.
public struct Explanation: Sendable {
    public struct RuleLine: Sendable {
        public var rule: String
        public var verdict: String
        public var details: [String]
    }

    public var request: MembershipRequest?
    public var number: String
    public var lines: [RuleLine]
    public var decision: String
    /// Rules and policies whose groups match no group of the account.
    public var warnings: [String] = []

    public var text: String {
        var out: [String] = warnings.map { "warning: " + TextEscaping.visible($0) }
        if !out.isEmpty { out.append("") }
        out.append("requester: \(request?.jid.rawValue ?? "not pending")")
        out.append("number:    \(number)")
        for line in lines {
            out.append("")
            out.append("\(line.rule): \(line.verdict)")
            out += line.details.map { "  " + $0 }
        }
        out.append("")
        out.append("decision: \(decision)")
        return out.joined(separator: "\n")
    }

    public static func explain(rules: RuleSet, snapshot: Snapshot, state: EngineState, group jid: GroupJID, requester: UserJID, now: Date) -> Explanation {
        let warnings = UnmatchedTargets.warnings(rules, listed: snapshot.listed)
        guard let view = snapshot.view(jid) else {
            let listed = snapshot.listed.first { $0.jid == jid }
            let why = listed.map { $0.kind == .group ? "no rule targets it" : "it is a \($0.kind.label), which only a selector with kind: \($0.kind) selects" }
                ?? "it is not in the session's group list"
            return Explanation(request: nil, number: "-", lines: [], decision: "none: \(why)", warnings: warnings)
        }
        let request = view.requests?.first { $0.jid == requester }
        let context = ConditionContext(group: view.group, request: request, now: now)
        let acted = ActedIndex(state.acted[jid] ?? [])
        var lines: [RuleLine] = []
        for (order, rule) in rules.rules.enumerated() {
            // The evaluator's own checks (`RequestRule`), each reason turned into a line.
            guard let candidate = RequestRule(order: order, rule: rule) else { continue }
            guard rules.selects(rule.groups, view.group) else {
                lines.append(RuleLine(rule: rule.id, verdict: "does not target this group", details: []))
                continue
            }
            var details: [String] = []
            if !rule.enabled { details.append("enabled: false") }
            if let unread = view.requestsUnread {
                lines.append(RuleLine(rule: rule.id, verdict: "would not act", details: details + ["requests not read: \(unread)"]))
                continue
            }
            guard let request else {
                lines.append(RuleLine(rule: rule.id, verdict: "no such pending request", details: details))
                continue
            }
            let misses = candidate.misses(request, acted: acted, context: context)
            if let wait = candidate.pendingFor {
                var waited = request.requestedAt.map { now.timeIntervalSince($0) }
                for case .tooRecent(let seconds, _) in misses { waited = seconds }
                let old = !misses.contains { if case .tooRecent = $0 { true } else { false } }
                details.append("pending_for \(RuleDuration.format(wait)): waited \(waited.map { RuleDuration.format(.seconds(Int64(max($0, 0)))) } ?? "unknown (no request time)") -> \(old ? "yes" : "no")")
            }
            for miss in misses {
                switch miss {
                case .alreadyActed: details.append("already acted on this request")
                case .decidedBy(let other): details.append("already decided by \(other)")
                default: break
                }
            }
            if let condition = rule.condition {
                for (text, holds) in Self.explain(condition, context, depth: 0) {
                    details.append("\(text) -> \(holds ? "holds" : "does not hold")")
                }
            }
            let acts = rule.enabled && misses.isEmpty
            let what = rule.actions.map(\.kind.name).joined(separator: ", ")
            lines.append(RuleLine(rule: rule.id, verdict: acts ? "would act (\(what))\(rule.mode == .audit ? " in audit mode" : "")" : "would not act", details: details))
        }
        let plan = Evaluator(rules: rules).evaluate(
            Snapshot(session: snapshot.session, takenAt: now, groups: [Snapshot.GroupView(group: view.group, requests: request.map { [$0] } ?? [])]),
            state: state, now: now)
        let decisions = plan.actions.filter { $0.mode == .enforce && $0.decision != nil }
        // A firing dropped because its rule wants a setting that something else wants otherwise.
        let conflict = plan.conflicts.first.map { "none: the rule's firing is refused this tick, since rules and policies want \($0.summary)" }
        let decision = request == nil
            ? "none: \(requester) has no pending request in \(jid)"
            : decisions.first.map { "\($0.decision?.rawValue ?? "") by \($0.source) (priority, then rule order)" } ?? conflict ?? "none: the request stays pending"
        return Explanation(request: request, number: context.numberDescription, lines: lines, decision: decision, warnings: warnings)
    }

    static func explain(_ condition: Condition, _ context: ConditionContext, depth: Int) -> [(String, Bool)] {
        let indent = String(repeating: "  ", count: depth)
        switch condition {
        case .all(let parts):
            return parts.flatMap { explain($0, context, depth: depth) }
        case .any(let parts):
            return [("\(indent)any of:", context.holds(condition))] + parts.flatMap { explain($0, context, depth: depth + 1) }
        case .not(let inner):
            return [("\(indent)not:", context.holds(condition))] + explain(inner, context, depth: depth + 1)
        default:
            return [("\(indent)\(name(condition)): \(context.explain(condition))", context.holds(condition))]
        }
    }

    static func name(_ condition: Condition) -> String {
        switch condition {
        case .numberPrefix: "number_prefix"
        case .notNumberPrefix: "not_number_prefix"
        case .numberUnknown(let value): "number_unknown: \(value)"
        case .numbersFile(let file): "numbers_file \(file.path)"
        case .memberCount(let above, let below): "member_count" + (above.map { " above \($0)" } ?? "") + (below.map { " below \($0)" } ?? "")
        case .time: "time window"
        case .setting: "setting"
        case .subject(let pattern): "subject /\(pattern)/"
        case .any: "any"
        case .all: "all"
        case .not: "not"
        }
    }
}

extension Engine {
    /// Why each rule would or would not act on one request, against live state.
    public func explain(session: String, group: GroupJID, requester: UserJID, at date: Date) async throws -> Explanation {
        let rules = await self.rules
        let (snapshot, state) = try await observe(session: session, rules: rules, at: date)
        return Explanation.explain(rules: rules, snapshot: snapshot, state: state, group: group, requester: requester, now: date)
    }
}
