public import Foundation
import ServiceLifecycle
public import Logging
public import Rules
public import WadialAPI
import WadialModels

/// Reads what the rule set needs, once per tick: the group list; requests only for groups that a
/// `membership_requests` rule targets; metadata only for groups whose listed settings lack what a
/// `setting:` condition or a policy reads.
public struct SnapshotFetcher: Sendable {
    /// The engine is stopping: the tick ends before it writes anything.
    public struct EngineStopping: Error, CustomStringConvertible {
        public var description: String { "the engine is stopping" }
    }

    public let client: any WadialClient
    public let logger: Logger

    public init(client: any WadialClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func snapshot(session: String, rules: RuleSet, now: Date) async throws -> Snapshot {
        let listed = try await client.listGroups(session: session)
        var views: [Snapshot.GroupView] = []
        var seen: Set<GroupJID> = []
        for group in listed {
            // A group listed twice is read and evaluated once.
            guard seen.insert(group.jid).inserted else { continue }
            // A stop ends the tick between reads: nothing was written yet, so nothing is lost.
            if Task.isShuttingDownGracefully { throw EngineStopping() }
            var view = Snapshot.GroupView(group: group)
            let targeting = rules.rules.filter { $0.enabled && rules.selects($0.groups, jid: group.jid, subject: group.subject) }
            let policies = rules.policies.filter { $0.enabled && rules.selects($0.groups, jid: group.jid, subject: group.subject) }
            guard !targeting.isEmpty || !policies.isEmpty else { continue }
            if targeting.contains(where: { if case .membershipRequests = $0.trigger { true } else { false } }) {
                do {
                    var named: Set<UserJID> = []
                    view.requests = try await client.membershipRequests(session: session, group.jid).filter { named.insert($0.jid).inserted }
                } catch {
                    // This group sits out the tick; the others go on.
                    logger.warning("could not read join requests", metadata: ["group": "\(group.jid)", "error": "\(error)"])
                }
            }
            // Metadata, at most once per group and tick, only when the listing lacks what a rule
            // or policy reads: a setting, or the member count.
            let needed = Self.settingsNeeded(targeting, policies)
            let lacksSetting = needed.contains { group.settings[$0] == nil }
            let lacksSize = group.size == nil && Self.readsMemberCount(targeting)
            if lacksSetting || lacksSize {
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
        for policy in policies { needed.formUnion(policy.ensure.known.map(\.setting.id)) }
        return needed
    }

    /// Whether any of the rules reads the member count: a `member_count` trigger or condition.
    static func readsMemberCount(_ rules: [Rule]) -> Bool {
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
        }
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
