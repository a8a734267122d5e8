public import Foundation
import Rules
import State
import WadialAPI
import WadialModels

/// Why a `membership_requests` rule does not act on a pending request.
///
/// The evaluator and `explain` ask the same `RequestRule` the same questions, so what `explain`
/// says of a rule is what the evaluator did.
public enum RequestMiss: Sendable, Hashable {
    /// The rule has `enabled: false`.
    case disabled
    /// Its `groups:` do not select the group.
    case notTargeted
    /// It acted on this request before.
    case alreadyActed
    /// Another rule decided this request before.
    case decidedBy(String)
    /// The request has not been pending for `pending_for` yet (or has no time: never stale).
    case tooRecent(waited: TimeInterval?, needed: Duration)
    /// `if:` does not hold for this requester.
    case conditionFails
}

/// A `membership_requests` rule, with what the request loops read of it taken out once per
/// pass: reading these per group and request does not copy the whole rule. A class, so that
/// reading an element of the pass's array of them retains one reference instead of copying the
/// rule (its arrays and strings) on every access.
final class RequestRule {
    let order: Int
    let rule: Rule
    let groups: GroupTargets
    let condition: Condition?
    let priority: Int
    /// `pending_for`.
    let pendingFor: Duration?
    /// `pending_for`, in seconds.
    let wait: Double?
    /// Takes part in the one-decision-per-request contest (decides, in enforce mode).
    let contends: Bool

    /// Nil for a rule of another trigger.
    init?(order: Int, rule: Rule) {
        guard case .membershipRequests(let trigger) = rule.trigger else { return nil }
        self.order = order
        self.rule = rule
        groups = rule.groups
        condition = rule.condition
        priority = rule.priority
        pendingFor = trigger.pendingFor
        wait = trigger.pendingFor.map { Double($0.components.seconds) }
        contends = rule.mode == .enforce && rule.decides
    }

    /// Nil when the rule acts on the request, else the first reason it does not. `identity` is
    /// nil where nothing was acted on in the group (then `acted` is not consulted).
    func miss(_ request: MembershipRequest, identity: RequestIdentity?, acted: ActedIndex, context: ConditionContext, requester: Requester) -> RequestMiss? {
        miss(madeAt: request.requestedAt, identity: identity, acted: acted, context: context, requester: requester)
    }

    /// As `miss(_:…)`, with only the request's time (the request loop passes no copy of it).
    func miss(madeAt: Date?, identity: RequestIdentity?, acted: ActedIndex, context: ConditionContext, requester: Requester) -> RequestMiss? {
        if let identity, let miss = actedMiss(identity, acted) { return miss }
        if let miss = waitMiss(madeAt, now: context.now) { return miss }
        return conditionMiss(context, requester)
    }

    /// Every reason the rule does not act on the request, in the order `miss` checks them.
    func misses(_ request: MembershipRequest, acted: ActedIndex, context: ConditionContext) -> [RequestMiss] {
        let requester = Requester(request)
        return [
            actedMiss(RequestIdentity(request.jid, request.requestKey), acted),
            waitMiss(request, now: context.now),
            conditionMiss(context, requester),
        ].compactMap { $0 }
    }

    func actedMiss(_ identity: RequestIdentity, _ acted: ActedIndex) -> RequestMiss? {
        acted.miss(rule: rule.id, identity)
    }

    func waitMiss(_ request: MembershipRequest, now: Date) -> RequestMiss? {
        waitMiss(request.requestedAt, now: now)
    }

    func waitMiss(_ madeAt: Date?, now: Date) -> RequestMiss? {
        guard let wait, let pendingFor else { return nil }
        // A request without a time is treated as just made: never stale.
        guard let made = madeAt else { return .tooRecent(waited: nil, needed: pendingFor) }
        let waited = now.timeIntervalSince(made)
        return waited >= wait ? nil : .tooRecent(waited: waited, needed: pendingFor)
    }

    func conditionMiss(_ context: ConditionContext, _ requester: Requester) -> RequestMiss? {
        guard let condition, !context.holds(condition, requester) else { return nil }
        return .conditionFails
    }
}

/// What was acted on among a group's pending requests, for the "already acted, already decided"
/// checks: by rule and request, and which rule decided each request.
struct ActedIndex {
    private let byRule: Set<RuleRequest>
    private let deciders: [RequestIdentity: String]
    let isEmpty: Bool

    private struct RuleRequest: Hashable {
        let rule: String
        let request: RequestIdentity
    }

    init(_ records: [ActedRequestRecord]) {
        isEmpty = records.isEmpty
        byRule = Set(records.map { RuleRequest(rule: $0.rule, request: RequestIdentity($0.requester, $0.requestedAt)) })
        var deciders: [RequestIdentity: String] = [:]
        for record in records where record.decided {
            let identity = RequestIdentity(record.requester, record.requestedAt)
            if deciders[identity] == nil { deciders[identity] = record.rule }
        }
        self.deciders = deciders
    }

    func miss(rule: String, _ identity: RequestIdentity) -> RequestMiss? {
        guard !isEmpty else { return nil }
        if byRule.contains(RuleRequest(rule: rule, request: identity)) { return .alreadyActed }
        if let other = deciders[identity] { return .decidedBy(other) }
        return nil
    }
}

/// A pending request's identity: who, and when they asked.
struct RequestIdentity: Hashable {
    let requester: UserJID
    let requestedAt: Int64

    init(_ requester: UserJID, _ requestedAt: Int64) {
        self.requester = requester
        self.requestedAt = requestedAt
    }
}

extension Rule {
    /// Approves or rejects requests.
    var decides: Bool {
        actions.contains { $0.decision != nil }
    }
}
