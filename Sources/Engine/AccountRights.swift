public import Foundation
public import Rules
public import WadialAPI
public import WadialModels

/// What the engine knows of the account's rights: its own identity per session (from the
/// session status) and the groups where reading join requests was refused (403).
public actor AccountRights {
    struct Key: Hashable {
        let session: String
        let group: GroupJID
    }

    /// How long a refusal (403) stands for a group whose listing does not say who its admins are:
    /// after it, the requests are tried again (rights can be granted).
    public static let refusalStands: TimeInterval = 3_600

    private var accounts: [String: [UserJID]] = [:]
    private var refused: [Key: Date] = [:]

    public init() {}

    /// The account's identities for `session`; nil until read.
    public func account(_ session: String) -> [UserJID]? { accounts[session] }

    public func setAccount(_ session: String, _ identities: [UserJID]) { accounts[session] = identities }

    /// A session that went down and came back may be another account: read it again.
    public func forgetAccount(_ session: String) { accounts[session] = nil }

    func refuse(_ session: String, _ group: GroupJID, at date: Date) { refused[Key(session: session, group: group)] = date }

    /// Whether reading `group`'s requests was refused within `refusalStands` of `date`.
    func isRefused(_ session: String, _ group: GroupJID, at date: Date) -> Bool {
        guard let when = refused[Key(session: session, group: group)] else { return false }
        if date.timeIntervalSince(when) < Self.refusalStands { return true }
        refused[Key(session: session, group: group)] = nil
        return false
    }

    /// Whether the account (any of `identities`) is an admin of `group`, by its participants:
    /// nil when the group lists none, the account is not among them, its role was not said, or
    /// the identity is unknown.
    public static func isAdmin(_ identities: [UserJID], of group: Group) -> Bool? {
        guard !identities.isEmpty, let participants = group.participants else { return nil }
        let numbers = Set(identities.compactMap(\.phoneNumber))
        let me = participants.first { participant in
            identities.contains { $0.isSameAccount(as: participant.jid) } || participant.phoneNumber.map(numbers.contains) == true
        }
        guard let me, me.roleKnown else { return nil }
        return me.role != .member
    }
}

extension AccountRights {
    /// Every group of `views` the account is known not to administer that a rule needing the
    /// rights (a request rule, or one whose steps change the group) or an enforce-mode policy
    /// selects, with those rules and policies, whether or not one of them would act now: what
    /// `run` reports once and `plan` shows.
    public static func withoutRights(_ rules: RuleSet, _ views: [Snapshot.GroupView]) -> [(group: Group, sources: [String])] {
        views.compactMap { view in
            guard view.accountIsAdmin == false else { return nil }
            let ruleSources = rules.rules.filter { rule in
                guard rule.enabled, rules.selects(rule.groups, view.group) else { return false }
                if case .membershipRequests = rule.trigger { return true }
                return rule.actions.contains { $0.kind.needsAdmin }
            }.map(\.id)
            let policySources = rules.policies.filter { $0.enabled && $0.mode == .enforce && rules.selects($0.groups, view.group) }.map(\.id)
            let sources = ruleSources + policySources
            return sources.isEmpty ? nil : (view.group, sources)
        }
    }
}

/// Things reported once while they last (per session): `report` returns what is new since the
/// last call, and what has gone.
actor ReportedOnce {
    private var current: [String: Set<String>] = [:]

    func report(_ session: String, _ now: Set<String>) -> (new: Set<String>, gone: Set<String>) {
        let before = current[session] ?? []
        current[session] = now
        return (now.subtracting(before), before.subtracting(now))
    }
}
