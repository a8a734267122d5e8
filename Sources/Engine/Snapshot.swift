public import Foundation
public import State
public import WadialAPI
public import WadialModels

/// What one tick knows of one session's groups: fetched once and shared by every rule.
public struct Snapshot: Sendable {
    public struct GroupView: Sendable {
        public var group: Group
        /// Pending requests; nil when no rule needed them and they were not fetched.
        public var requests: [MembershipRequest]?

        public init(group: Group, requests: [MembershipRequest]? = nil) {
            self.group = group
            self.requests = requests
        }
    }

    public var session: String
    public var takenAt: Date
    /// In the order the API listed them.
    public var groups: [GroupView]

    public init(session: String, takenAt: Date, groups: [GroupView]) {
        self.session = session
        self.takenAt = takenAt
        self.groups = groups
    }

    public func view(_ jid: GroupJID) -> GroupView? { groups.first { $0.group.jid == jid } }
}

/// The remembered state the evaluator reads, loaded before each evaluation.
public struct EngineState: Sendable {
    /// What rules did with the requests now pending, per group.
    public var acted: [GroupJID: [ActedRequestRecord]]
    /// Per-rule, per-group state as the store keeps it: threshold phases, schedule runs, drift.
    public var values: [StateKey: String]

    public init(acted: [GroupJID: [ActedRequestRecord]] = [:], values: [StateKey: String] = [:]) {
        self.acted = acted
        self.values = values
    }
}

/// A rule's dealing with a request, as the evaluator needs it.
public struct ActedRequestRecord: Sendable, Hashable {
    public var rule: String
    public var requester: UserJID
    public var requestedAt: Int64
    /// What the rule decided; nil when it only fired (logged, audited, posted a webhook).
    public var decision: RequestDecision?

    public init(rule: String, requester: UserJID, requestedAt: Int64, decision: RequestDecision?) {
        self.rule = rule
        self.requester = requester
        self.requestedAt = requestedAt
        self.decision = decision
    }

    /// True when the rule approved or rejected it (not only logged or audited).
    public var decided: Bool { decision != nil }
}

extension MembershipRequest {
    /// Seconds since 1970 of the request; 0 when unknown. Part of a request's identity.
    public var requestKey: Int64 {
        // Decoded times are bounded (`MembershipRequest.plausibleTimes`); one made in code is not.
        requestedAt.flatMap { Int64(exactly: $0.timeIntervalSince1970.rounded(.down)) } ?? 0
    }
}
