public import Foundation
public import Rules
public import State
public import WadialAPI
public import WadialModels

/// What one tick knows of one session's groups: fetched once and shared by every rule.
public struct Snapshot: Sendable {
    public struct GroupView: Sendable {
        public var group: Group
        /// Pending requests; nil when no rule needed them, they could not exist, or could not be read.
        public var requests: [MembershipRequest]?
        /// Whether the account is an admin of the group; nil when not known (it is then taken to be
        /// one, and a refusal teaches otherwise).
        public var accountIsAdmin: Bool?
        /// Why a request rule's group had its requests left unread.
        public var requestsUnread: RequestsUnread?

        public init(group: Group, requests: [MembershipRequest]? = nil, accountIsAdmin: Bool? = nil, requestsUnread: RequestsUnread? = nil) {
            self.group = group
            self.requests = requests
            self.accountIsAdmin = accountIsAdmin
            self.requestsUnread = requestsUnread
        }
    }

    /// Why the requests of a group that a request rule targets were not read.
    public enum RequestsUnread: Sendable, Hashable, CustomStringConvertible {
        /// Membership approval is off: people with the link join at once, no request can exist.
        case approvalOff
        /// The account is not an admin there: the API refuses to list them.
        case notAdmin

        public var description: String {
            switch self {
            case .approvalOff: "membership approval is off there (anyone with the link joins at once, so no request can exist)"
            case .notAdmin: "the account is not an admin there"
            }
        }
    }

    public var session: String
    public var takenAt: Date
    /// The groups some rule or policy selects, in the order the API listed them.
    public var groups: [GroupView]
    /// Every group of the listing, selected or not (once each), as listed.
    public var listed: [Group]

    public init(session: String, takenAt: Date, groups: [GroupView], listed: [Group]? = nil) {
        self.session = session
        self.takenAt = takenAt
        self.groups = groups
        self.listed = listed ?? groups.map(\.group)
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

extension RuleSet {
    /// Whether `targets` (a rule's or policy's `groups:`) selects `group`, by its JID, subject and kind.
    public func selects(_ targets: GroupTargets, _ group: Group) -> Bool {
        selects(targets, jid: group.jid, subject: group.subject, kind: group.kind)
    }
}
