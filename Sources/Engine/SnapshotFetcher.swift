public import Foundation
import ServiceLifecycle
public import Logging
public import Rules
public import WadialAPI
import WadialModels

/// Reads what the rule set needs, once per tick: the group list; requests only for groups that a
/// `membership_requests` rule targets where they can exist (membership approval on or unknown, the
/// account an admin or not known not to be); metadata only for groups whose listed settings lack
/// what a `setting:` condition or a policy reads; the session status once, for the account's
/// identity, when a listing names admins.
public struct SnapshotFetcher: Sendable {
    /// The engine is stopping: the tick ends before it writes anything.
    public struct EngineStopping: Error, CustomStringConvertible {
        public var description: String { "the engine is stopping" }
    }

    public let client: any WadialClient
    public let logger: Logger
    public let rights: AccountRights

    public init(client: any WadialClient, logger: Logger, rights: AccountRights = AccountRights()) {
        self.client = client
        self.logger = logger
        self.rights = rights
    }

    /// The account's identities for `session`: read once from the session status and kept
    /// (empty when the status names none); nil when the read failed (tried again next tick).
    func account(_ session: String) async -> [UserJID]? {
        if let known = await rights.account(session) { return known }
        do {
            let identities = try await client.sessionStatus(session: session).account
            await rights.setAccount(session, identities)
            if identities.isEmpty {
                logger.notice("the session status does not name the account; admin rights are learned from refusals", metadata: ["session": "\(session)"])
            }
            return identities
        } catch {
            logger.warning("could not read the session status for the account's identity", metadata: ["session": "\(session)", "error": "\(error)"])
            return nil
        }
    }

    /// What one tick's reads share: the account's identities, read at most once per tick (and
    /// only when a listing names participants).
    public struct Reading: Sendable {
        var identities: [UserJID]?
        var identitiesRead = false

        public init() {}
    }

    /// The session's group list, each group once (a group listed twice is read and evaluated once).
    public func list(session: String) async throws -> [Group] {
        var seen: Set<GroupJID> = []
        return try await client.listGroups(session: session).filter { seen.insert($0.jid).inserted }
    }

    /// Every targeted group's view, read in listing order: what `plan` and `explain` evaluate at once.
    public func snapshot(session: String, rules: RuleSet, now: Date) async throws -> Snapshot {
        let listed = try await list(session: session)
        var reading = Reading()
        var views: [Snapshot.GroupView] = []
        for group in listed {
            if let view = try await view(of: group, session: session, rules: rules, now: now, reading: &reading) { views.append(view) }
        }
        return Snapshot(session: session, takenAt: now, groups: views, listed: listed)
    }

    /// One listed group's view with what the rules need of it read (nil when no rule or policy
    /// selects it): metadata where the listing lacks what is read, then the join requests where
    /// they can exist. A stop ends the tick between groups (`EngineStopping`).
    public func view(of group: Group, session: String, rules: RuleSet, now: Date, reading: inout Reading) async throws -> Snapshot.GroupView? {
        // A stop ends the tick between reads: nothing of this group is written yet, so nothing is lost.
        if Task.isShuttingDownGracefully { throw EngineStopping() }
        var view = Snapshot.GroupView(group: group)
        let targeting = rules.rules.filter { $0.enabled && rules.selects($0.groups, group) }
        let policies = rules.policies.filter { $0.enabled && rules.selects($0.groups, group) }
        guard !targeting.isEmpty || !policies.isEmpty else { return nil }
        // Metadata, at most once per group and tick, only when the listing lacks what a rule
        // or policy reads: a setting, or the member count. Read first, since the settings
        // it completes say whether requests can exist.
        let needed = Self.settingsNeeded(targeting, policies)
        let lacksSetting = needed.contains { group.settings[$0] == nil }
        let lacksSize = group.size == nil && Self.readsMemberCount(targeting, policies)
        if lacksSetting || lacksSize {
            do {
                let metadata = try await client.group(session: session, group.jid)
                view.group = Self.merge(group, metadata)
            } catch {
                logger.warning("could not read group metadata", metadata: ["group": "\(group.jid)", "error": "\(error)"])
            }
            // The metadata says it is a community's group after all: selected again by its kind.
            if view.group.kind != group.kind {
                guard rules.rules.contains(where: { $0.enabled && rules.selects($0.groups, view.group) })
                        || rules.policies.contains(where: { $0.enabled && rules.selects($0.groups, view.group) }) else { return nil }
                return try await self.view(of: view.group, session: session, rules: rules, now: now, reading: &reading)
            }
        }
        if view.group.participants != nil, !reading.identitiesRead {
            reading.identitiesRead = true
            reading.identities = await account(session)
        }
        view.accountIsAdmin = reading.identities.flatMap { AccountRights.isAdmin($0, of: view.group) }
        if view.accountIsAdmin == nil, await rights.isRefused(session, group.jid, at: now) { view.accountIsAdmin = false }
        if targeting.contains(where: { if case .membershipRequests = $0.trigger { true } else { false } }) {
            if view.group.settings[.membershipApproval] == .bool(false) {
                view.requestsUnread = .approvalOff
            } else if view.accountIsAdmin == false {
                view.requestsUnread = .notAdmin
            } else {
                switch await requests(session: session, group.jid, now: now) {
                case .read(let requests):
                    view.requests = requests
                case .refused:
                    view.accountIsAdmin = false
                    view.requestsUnread = .notAdmin
                case .failed(let error):
                    // This group sits out the tick; the others go on.
                    logger.warning("could not read join requests", metadata: ["group": "\(group.jid)", "error": "\(error)"])
                }
            }
        }
        return view
    }

    /// What reading a group's join requests came to.
    enum RequestsRead {
        /// Each requester once (a list that repeats one is read as naming it once).
        case read([MembershipRequest])
        /// 403: the account is not an admin there (remembered in `rights`, tried again later).
        case refused
        case failed(any Error)
    }

    /// A group's pending join requests: for the tick's reads and the engine's re-reads of busy groups.
    func requests(session: String, _ group: GroupJID, now: Date) async -> RequestsRead {
        do {
            var named: Set<UserJID> = []
            return .read(try await client.membershipRequests(session: session, group).filter { named.insert($0.jid).inserted })
        } catch let error as WadialError where error.status == 403 {
            await rights.refuse(session, group, at: now)
            return .refused
        } catch {
            return .failed(error)
        }
    }

    /// The settings that conditions and policies read.
    static func settingsNeeded(_ rules: [Rule], _ policies: [Policy]) -> Set<GroupSetting.ID> {
        var needed = Set<GroupSetting.ID>()
        func visit(_ condition: Condition) {
            switch condition {
            case .setting(let desired): needed.formUnion(desired.known.map(\.setting.id))
            case .any(let parts), .all(let parts): parts.forEach(visit)
            case .not(let inner): visit(inner)
            default: break
            }
        }
        rules.compactMap(\.condition).forEach(visit)
        policies.compactMap(\.condition).forEach(visit)
        for policy in policies { needed.formUnion(policy.ensure.known.map(\.setting.id)) }
        return needed
    }

    /// Whether any of the rules or policies reads the member count: a `member_count` trigger or condition.
    static func readsMemberCount(_ rules: [Rule], _ policies: [Policy] = []) -> Bool {
        func reads(_ condition: Condition) -> Bool {
            switch condition {
            case .memberCount: true
            case .any(let parts), .all(let parts): parts.contains(where: reads)
            case .not(let inner): reads(inner)
            default: false
            }
        }
        return rules.contains { rule in
            if case .memberCount = rule.trigger { return true }
            return rule.condition.map(reads) ?? false
        } || policies.contains { $0.condition.map(reads) ?? false }
    }

    /// The listing, completed by metadata where the listing lacked a field.
    static func merge(_ listed: Group, _ metadata: Group) -> Group {
        var group = listed
        group.subject = listed.subject ?? metadata.subject
        group.description = listed.description ?? metadata.description
        group.size = metadata.size ?? listed.size
        group.participants = metadata.participants ?? listed.participants
        group.settings = listed.settings.merging(metadata.settings)
        // A kind the listing did not say (every group reads as ordinary there) from the metadata.
        if listed.kind == .group { group.kind = metadata.kind }
        group.linkedParent = listed.linkedParent ?? metadata.linkedParent
        return group
    }
}
