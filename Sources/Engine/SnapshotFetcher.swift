import Foundation
import Logging
import Rules
import WadialAPI

/// Reads what the rule set needs, once per tick: the group list; requests only for groups that a
/// `membership_requests` rule targets; metadata only for groups whose listed settings lack what a
/// `setting:` condition or a policy reads.
public struct SnapshotFetcher: Sendable {
    public let client: any WadialClient
    public let logger: Logger

    public init(client: any WadialClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func snapshot(session: String, rules: RuleSet, now: Date) async throws -> Snapshot {
        let evaluator = Evaluator(rules: rules)
        let listed = try await client.listGroups(session: session)
        var views: [Snapshot.GroupView] = []
        for group in listed {
            var view = Snapshot.GroupView(group: group)
            let targeting = rules.rules.filter { $0.enabled && evaluator.selects($0.groups, group) }
            let policies = rules.policies.filter { $0.enabled && evaluator.selects($0.groups, group) }
            guard !targeting.isEmpty || !policies.isEmpty else { continue }
            if targeting.contains(where: { if case .membershipRequests = $0.trigger { true } else { false } }) {
                do {
                    view.requests = try await client.membershipRequests(session: session, group.jid)
                } catch {
                    // This group sits out the tick; the others go on.
                    logger.warning("could not read join requests", metadata: ["group": "\(group.jid)", "error": "\(error)"])
                }
            }
            let needed = Self.settingsNeeded(targeting, policies)
            if !needed.isEmpty, needed.contains(where: { !Self.isKnown($0, in: group.settings) }) || group.size == nil {
                do {
                    let metadata = try await client.group(session: session, group.jid)
                    view.group = Self.merge(group, metadata)
                } catch {
                    logger.warning("could not read group metadata", metadata: ["group": "\(group.jid)", "error": "\(error)"])
                }
            }
            views.append(view)
        }
        return Snapshot(session: session, takenAt: now, groups: views)
    }

    /// The setting keys that conditions and policies read.
    static func settingsNeeded(_ rules: [Rule], _ policies: [Policy]) -> Set<String> {
        var keys = Set<String>()
        func visit(_ condition: Condition) {
            switch condition {
            case .setting(let desired): keys.formUnion(DesiredSettings.differences(GroupSettings(), desired).map(\.key))
            case .any(let parts), .all(let parts): parts.forEach(visit)
            case .not(let inner): visit(inner)
            default: break
            }
        }
        rules.compactMap(\.condition).forEach(visit)
        for policy in policies { keys.formUnion(DesiredSettings.differences(GroupSettings(), policy.ensure).map(\.key)) }
        return keys
    }

    static func isKnown(_ key: String, in settings: GroupSettings) -> Bool {
        switch key {
        case "announcement": settings.announcement != nil
        case "locked": settings.locked != nil
        case "member_add_mode": settings.memberAddMode != nil
        case "member_link_mode": settings.memberLinkMode != nil
        case "history_sharing": settings.historySharing != nil
        case "ephemeral": settings.ephemeralSeconds != nil
        default: true
        }
    }

    /// The listing, completed by metadata where the listing lacked a field.
    static func merge(_ listed: Group, _ metadata: Group) -> Group {
        var group = listed
        group.subject = listed.subject ?? metadata.subject
        group.description = listed.description ?? metadata.description
        group.size = metadata.size ?? listed.size
        group.participants = metadata.participants ?? listed.participants
        let a = listed.settings, b = metadata.settings
        group.settings = GroupSettings(
            announcement: b.announcement ?? a.announcement, locked: b.locked ?? a.locked, memberAddMode: b.memberAddMode ?? a.memberAddMode,
            memberLinkMode: b.memberLinkMode ?? a.memberLinkMode, historySharing: b.historySharing ?? a.historySharing,
            ephemeralSeconds: b.ephemeralSeconds ?? a.ephemeralSeconds)
        return group
    }
}
