import Foundation
import Sandbox
import WadialAPI
import WadialModels

/// Generated sandbox worlds, and the rule set the API, latency and memory benchmarks run on them.
///
/// Group `i` of a world: every tenth (`i % 10 == 0`) is "Support i", the others "Region i";
/// all settings are set, so the group list carries everything policies and `setting:` conditions
/// read; one group in twenty has announcement on and another one in twenty is unlocked (drift
/// that the `baseline` policy corrects). With `requests`, every fifth group has three pending
/// requests: a +1 number, a +49 number, and a `@lid` identity with no phone number.
public enum WorldCorpus {
    public static let session = "bench"

    public static func jid(_ index: Int) -> GroupJID {
        GroupJID("1203631\(String(format: "%011d", index))@g.us")!
    }

    public static func isSupport(_ index: Int) -> Bool { index % 10 == 0 }

    public static func subject(_ index: Int) -> String { isSupport(index) ? "Support \(index)" : "Region \(index)" }

    /// A unique +1 requester, its JID carrying the number.
    public static func usRequester(_ serial: Int) -> UserJID {
        UserJID("1555\(String(format: "%07d", serial % 10_000_000))@s.whatsapp.net")!
    }

    public static func groups(count: Int, requests: Bool, now: Date = Date()) -> [SandboxWorld.GroupState] {
        (0..<count).map { index in
            var pending: [SandboxWorld.PendingRequest] = []
            if requests, index % 5 == 0 {
                pending = [
                    .init(jid: usRequester(index), requestedAt: now.addingTimeInterval(-600)),
                    .init(jid: UserJID("49151\(String(format: "%08d", index))@s.whatsapp.net")!, requestedAt: now.addingTimeInterval(-300)),
                    .init(jid: UserJID("9\(String(format: "%014d", index))@lid")!, requestedAt: now.addingTimeInterval(-60)),
                ]
            }
            let settings = GroupSettings([.announcement: .bool(index % 20 == 3), .locked: .bool(index % 20 != 7), .memberAddMode: "admin_add", .memberLinkMode: "admin_link", .historySharing: "all_member_share", .ephemeral: .seconds(0)])
            return SandboxWorld.GroupState(
                jid: jid(index), subject: subject(index), unlistedMembers: 50 + index % 1000, settings: settings, requests: pending)
        }
    }

    public static func world(groups count: Int, requests: Bool) -> SandboxWorld {
        SandboxWorld(sessions: [.init(id: session)], groups: groups(count: count, requests: requests))
    }

    /// The rule set: approvals by prefix and rejections of unknown numbers in the support groups,
    /// a member-count threshold and a baseline policy on every group, a weekly rotation of the
    /// regional groups' links that reads a setting.
    public static func rules(pollInterval: String) -> String {
        """
        version: 1
        settings:
          poll_interval: \(pollInterval)
          limits: { requests_per_minute: 100000, mutations_per_minute: 10000, max_actions_per_run: 50 }
        sessions: [\(session)]
        groups:
          support: { subject: "^Support " }
          regional: { subject: "^Region " }
        rules:
          - id: approve-vetted
            groups: [support]
            trigger: { membership_requests: {} }
            if: { number_prefix: ["+1", "+44"] }
            then: [approve_requests]
          - id: reject-unknown
            groups: [support]
            trigger: { membership_requests: {} }
            if: { number_unknown: true }
            then: [reject_requests]
          - id: read-only-when-full
            groups: "*"
            trigger: { member_count: { above: 900, for: 10m } }
            then: [{ set_announcement: true }]
          - id: weekly-rotation
            groups: [regional]
            trigger: { schedule: { cron: "0 9 * * MON" } }
            if: { setting: { member_link_mode: admin_link } }
            then: [rotate_invite]
        policies:
          - id: baseline
            groups: "*"
            ensure: { announcement: false, locked: true }

        """
    }

    /// The fewest calls one tick of `rules(...)` can make on a world of `groups`, worked out from
    /// the world alone: one group list; one session status (the account's identity, read once per
    /// engine start, since the listing's participants say where it is an admin); one request
    /// listing per support group (the groups a
    /// request rule targets); no metadata (the list carries sizes and every setting read); one
    /// write per group and action kind: an approval call where a +1/+44 number waits in a support
    /// group, a rejection call where a number is unknown there, a settings call per drifted setting.
    public static func lowerBound(_ groups: [SandboxWorld.GroupState]) -> (reads: Int, writes: Int) {
        var reads = 2
        var writes = 0
        for group in groups {
            let support = group.subject.hasPrefix("Support ")
            if support {
                reads += 1
                if group.requests.contains(where: { $0.jid.rawValue.hasSuffix("@s.whatsapp.net") && ($0.jid.rawValue.hasPrefix("1") || $0.jid.rawValue.hasPrefix("44")) }) {
                    writes += 1
                }
                if group.requests.contains(where: { $0.jid.rawValue.hasSuffix("@lid") && $0.phoneField == nil }) {
                    writes += 1
                }
            }
            if group.settings[.announcement] != false { writes += 1 }
            if group.settings[.locked] != true { writes += 1 }
        }
        return (reads, writes)
    }

    // MARK: - WhatsApp as it is

    /// Membership approval is on in one group in five (`i % 5 == 0`, the support groups among
    /// them), so only those can have join requests; the account is an admin in half of the groups
    /// (`i % 4 < 2`). The groups with approval on have the three requests of `groups(...)`.
    public static func isApprovalOn(_ index: Int) -> Bool { index % 5 == 0 }
    public static func isAdmin(_ index: Int) -> Bool { index % 4 < 2 }

    public static func realisticGroups(count: Int, now: Date = Date()) -> [SandboxWorld.GroupState] {
        groups(count: count, requests: true, now: now).enumerated().map { index, group in
            var group = group
            group.settings[.membershipApproval] = .bool(isApprovalOn(index))
            group.accountRole = isAdmin(index) ? .admin : .member
            return group
        }
    }

    /// As `rules(...)`, with approvals of vetted numbers in every ordinary group (`"*"`): the
    /// engine must find on its own where requests can exist.
    public static func realisticRules(pollInterval: String) -> String {
        rules(pollInterval: pollInterval).replacingOccurrences(of: """
              - id: approve-vetted
                groups: [support]
            """, with: """
              - id: approve-vetted
                groups: "*"
            """)
    }

    /// The fewest calls one tick of `realisticRules(...)` can make on `realisticGroups(...)`: one
    /// group list and one session status (the account's identity, once per engine start: the
    /// listing's participants say where it is an admin); one request listing per group where
    /// requests can exist (approval on, the account an admin); no metadata (the list carries sizes,
    /// every setting read and the participants); one write per group and kind where the account is
    /// an admin: an approval call where a +1/+44 number waits, a rejection call where a number is
    /// unknown in a support group, a settings call per drifted setting.
    public static func realisticLowerBound(_ groups: [SandboxWorld.GroupState]) -> (reads: Int, writes: Int) {
        var reads = 2
        var writes = 0
        for group in groups where group.accountRole != .member {
            let support = group.subject.hasPrefix("Support ")
            if group.settings[.membershipApproval] != .bool(false) {
                reads += 1
                if group.requests.contains(where: { $0.jid.rawValue.hasSuffix("@s.whatsapp.net") && ($0.jid.rawValue.hasPrefix("1") || $0.jid.rawValue.hasPrefix("44")) }) {
                    writes += 1
                }
                if support, group.requests.contains(where: { $0.jid.rawValue.hasSuffix("@lid") && $0.phoneField == nil }) {
                    writes += 1
                }
            }
            if group.settings[.announcement] != false { writes += 1 }
            if group.settings[.locked] != true { writes += 1 }
        }
        return (reads, writes)
    }
}
