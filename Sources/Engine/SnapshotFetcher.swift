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

    public func snapshot(session: String, rules: RuleSet, now: Date) async throws -> Snapshot {
        let listed = try await client.listGroups(session: session)
        // Whose rights the participants show: read only when some listing names participants.
        var identities: [UserJID]?
        var identitiesRead = false
        var views: [Snapshot.GroupView] = []
        var seen: Set<GroupJID> = []
        var unique: [Group] = []
        for group in listed {
            // A group listed twice is read and evaluated once.
            guard seen.insert(group.jid).inserted else { continue }
            unique.append(group)
            // A stop ends the tick between reads: nothing was written yet, so nothing is lost.
            if Task.isShuttingDownGracefully { throw EngineStopping() }
            var view = Snapshot.GroupView(group: group)
            let targeting = rules.rules.filter { $0.enabled && rules.selects($0.groups, group) }
            let policies = rules.policies.filter { $0.enabled && rules.selects($0.groups, group) }
            guard !targeting.isEmpty || !policies.isEmpty else { continue }
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
            }
            if view.group.participants != nil, !identitiesRead {
                identitiesRead = true
                identities = await account(session)
            }
            view.accountIsAdmin = identities.flatMap { AccountRights.isAdmin($0, of: view.group) }
            if view.accountIsAdmin == nil, await rights.isRefused(session, group.jid, at: now) { view.accountIsAdmin = false }
            if targeting.contains(where: { if case .membershipRequests = $0.trigger { true } else { false } }) {
                if view.group.settings[.membershipApproval] == .bool(false) {
                    view.requestsUnread = .approvalOff
                } else if view.accountIsAdmin == false {
                    view.requestsUnread = .notAdmin
                } else {
                    do {
                        var named: Set<UserJID> = []
                        view.requests = try await client.membershipRequests(session: session, group.jid).filter { named.insert($0.jid).inserted }
                    } catch let error as WadialError where error.status == 403 {
                        // Not an admin after all: remembered, reported once by the engine, tried again later.
                        await rights.refuse(session, group.jid, at: now)
                        view.accountIsAdmin = false
                        view.requestsUnread = .notAdmin
                    } catch {
                        // This group sits out the tick; the others go on.
                        logger.warning("could not read join requests", metadata: ["group": "\(group.jid)", "error": "\(error)"])
                    }
                }
            }
            views.append(view)
        }
        return Snapshot(session: session, takenAt: now, groups: views, listed: unique)
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
        return group
    }
}
