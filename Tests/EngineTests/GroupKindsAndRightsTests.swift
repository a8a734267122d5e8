import Foundation
import Rules
import Sandbox
import SandboxTesting
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

private let community = GroupJID("120363000000000090@g.us")!
private let announcements = GroupJID("120363000000000091@g.us")!
private let linked = GroupJID("120363000000000092@g.us")!

private func load(_ text: String) throws -> RuleSet {
    try RuleLoader(environment: [:]).load([.init(name: "k.yaml", text: "version: 1\n" + text)])
}

/// A community (parent, announcement group, one linked group) beside an ordinary group.
private func communityWorld(accountAdmin: Bool = true) -> SandboxWorld {
    var parent = SandboxWorld.GroupState(jid: community, subject: "Parents")
    parent.kind = .community
    var notices = SandboxWorld.GroupState(jid: announcements, subject: "Parents")
    notices.kind = .announcements
    notices.linkedParent = community
    notices.settings[.announcement] = true
    var member = SandboxWorld.GroupState(jid: linked, subject: "Parents: Year 5")
    member.linkedParent = community
    var plain = SandboxWorld.GroupState(jid: g1, subject: "Support")
    plain.accountRole = accountAdmin ? .admin : .member
    return SandboxWorld(sessions: [.init(id: "s")], groups: [parent, notices, member, plain], clock: { t0 })
}

struct GroupKindsTests {
    @Test func theListingsKindFieldsAreRead() throws {
        let parent = try Group(json: .object(["id": .string(community.rawValue), "isCommunity": .bool(true)]))
        let notice = try Group(json: .object(["id": .string(announcements.rawValue), "isCommunityAnnounce": .string("true"), "linkedParent": .string(community.rawValue)]))
        let plain = try Group(json: .object(["id": .string(linked.rawValue), "linkedParent": .string(community.rawValue), "isCommunity": .bool(false)]))
        let odd = try Group(json: .object(["id": .string(g1.rawValue), "isCommunity": .number(1), "linkedParent": .string("not a jid")]))
        #expect(parent.kind == .community)
        #expect(notice.kind == .announcements && notice.linkedParent == community)
        #expect(plain.kind == .group && plain.linkedParent == community)
        // A flag of the wrong shape is no flag; a parent that is not a group JID is none.
        #expect(odd.kind == .group && odd.linkedParent == nil)
    }

    @Test func starSelectsOrdinaryGroupsOnlyAndKindSelectsTheRest() async throws {
        let rules = try load("""
            groups:
              notices: { kind: announcements }
              both: { subject: "^Parents", kind: [community, group] }
              named: { jids: ["\(announcements)"] }
            policies:
              - { id: open, groups: "*", ensure: { announcement: false } }
              - { id: notices-locked, groups: [notices], ensure: { locked: true } }
              - { id: parents, groups: [both], ensure: { member_add_mode: all_member_add } }
              - { id: by-jid, groups: [named, "\(announcements)"], ensure: { ephemeral: 7d } }
            """)
        let world = communityWorld()
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        let (_, plan) = try await engine.plan(session: "s", at: t0)
        let done = Set(plan.actions.map { "\($0.source) \($0.group.jid)" })
        // "*": the ordinary groups, the one linked to the community included; never the announcement group.
        #expect(!done.contains("open \(announcements)"))
        #expect(done.contains("notices-locked \(announcements)"))
        #expect(done == ["notices-locked \(announcements)", "parents \(community)", "parents \(linked)"])
        // A JID of an announcement group, listed or named without its kind, selects nothing.
        #expect(!done.contains("by-jid \(announcements)"))
    }

    @Test func theSandboxKeepsAnAnnouncementGroupAnnouncementOnly() async throws {
        let world = communityWorld()
        let client = SandboxClient(world: world)
        await #expect(throws: WadialError.self) {
            try await client.updateSetting(session: "s", announcements, SettingChange(.announcement, .bool(false)))
        }
        #expect(await world.group(announcements)?.settings[.announcement] == .bool(true))
        let listed = try await client.listGroups(session: "s")
        #expect(listed.first { $0.jid == announcements }?.kind == .announcements)
        #expect(listed.first { $0.jid == community }?.kind == .community)
    }

    @Test func selectorsThatMatchNothingAreNamed() throws {
        let rules = try load("""
            groups:
              typo: { subject: "^Suport" }
              notices: { jids: ["\(announcements)"] }
            rules:
              - { id: vet, groups: [typo], trigger: { membership_requests: {} }, then: [approve_requests] }
              - { id: fine, groups: "*", trigger: { membership_requests: {} }, then: [{ log: hi }] }
            policies:
              - { id: quiet, groups: [notices, "120363000000000077@g.us"], ensure: { locked: true } }
            """)
        let listed = [
            Group(jid: g1, subject: "Support"),
            Group(jid: announcements, subject: "Parents", kind: .announcements),
        ]
        let warnings = UnmatchedTargets.warnings(rules, listed: listed)
        #expect(warnings.count == 2)
        #expect(warnings[0].hasPrefix("rule \"vet\" (k.yaml:"))
        #expect(warnings[0].contains("\"typo\" at k.yaml:3:3 (subject /^Suport/; kind group)"))
        #expect(warnings[1].contains("policy \"quiet\""))
        #expect(warnings[1].contains("\(announcements) is a community announcement group (add kind: announcements)"))
        #expect(warnings[1].contains("120363000000000077@g.us (not in the account's group list)"))
        #expect(UnmatchedTargets.warnings(rules, listed: listed + [Group(jid: g2, subject: "Suport desk")]).count == 1)
    }

    @Test func theFirstTickWarnsOnceOfSelectorsThatMatchNothing() async throws {
        let rules = try load("""
            rules:
              - { id: vet, groups: ["120363000000000077@g.us"], trigger: { membership_requests: {} }, then: [approve_requests] }
            """)
        let capture = LogCapture()
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: communityWorld()), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: capture.logger)
        _ = await engine.tick(session: "s", at: t0)
        _ = await engine.tick(session: "s", at: t0.addingTimeInterval(30))
        let warned = capture.all.filter { $0.contains("its groups match no group of the account") }
        #expect(warned.count == 1)
        #expect(warned.first?.hasPrefix("warning rule \"vet\"") == true)
    }
}

struct AccountRightsTests {
    static let rules = """
        rules:
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
        policies:
          - { id: closed, groups: "*", ensure: { locked: true } }
        """

    @Test func theAccountsIdentityComesFromTheSessionStatusInItsForms() throws {
        func account(_ json: JSONValue) -> [String] { SessionStatus(json: json).account.map(\.rawValue) }
        #expect(account(.object(["me": .object(["id": .string("15550001111:12@s.whatsapp.net"), "lid": .string("99887766@lid")])]))
            == ["15550001111:12@s.whatsapp.net", "99887766@lid"])
        #expect(account(.object(["me": .string("15550001111@s.whatsapp.net")])) == ["15550001111@s.whatsapp.net"])
        #expect(account(.object(["user": .object(["phoneNumber": .string("+1 555 000 1111")])])) == ["15550001111@s.whatsapp.net"])
        #expect(account(.object(["wid": .string("123@g.us"), "phone": .number(15550001111)])) == ["15550001111@s.whatsapp.net"])
        #expect(account(.object(["connected": .bool(true)])).isEmpty)
        // The device suffix does not make it another account.
        let me = UserJID("15550001111:3@s.whatsapp.net")!
        #expect(AccountRights.isAdmin([me], of: Group(jid: g1, participants: [Participant(jid: UserJID("15550001111@s.whatsapp.net")!, role: .admin)])) == true)
        #expect(AccountRights.isAdmin([me], of: Group(jid: g1, participants: [Participant(jid: UserJID("15550001111@s.whatsapp.net")!)])) == false)
        #expect(AccountRights.isAdmin([me], of: Group(jid: g1, participants: [Participant(jid: UserJID("15550002222@s.whatsapp.net")!, role: .admin)])) == nil)
        #expect(AccountRights.isAdmin([], of: Group(jid: g1, participants: [])) == nil)
        // A bare JID, or a role word the API does not use, says nothing of the rights.
        func listed(_ item: JSONValue) throws -> Group {
            try Group(json: .object(["id": .string(g1.rawValue), "participants": .array([item])]))
        }
        #expect(AccountRights.isAdmin([me], of: try listed(.string("15550001111@s.whatsapp.net"))) == nil)
        #expect(AccountRights.isAdmin([me], of: try listed(.object(["id": .string("15550001111@s.whatsapp.net"), "role": .string("owner")]))) == nil)
        #expect(AccountRights.isAdmin([me], of: try listed(.object(["id": .string("15550001111@s.whatsapp.net"), "admin": .null]))) == false)
        #expect(AccountRights.isAdmin([me], of: try listed(.object(["id": .string("15550001111@s.whatsapp.net"), "admin": .bool(true)]))) == true)
        #expect(AccountRights.isAdmin([me], of: try listed(.object(["id": .string("15550001111@s.whatsapp.net"), "isAdmin": .bool(false)]))) == false)
    }

    @Test func requestsAreReadOnlyWhereTheyCanExist() async throws {
        var off = SandboxWorld.GroupState(jid: g2, subject: "Open door")
        off.settings[.membershipApproval] = .bool(false)
        var unknown = SandboxWorld.GroupState(jid: GroupJID("120363000000000003@g.us")!, subject: "Unknown approval")
        unknown.settings[.membershipApproval] = nil
        var member = SandboxWorld.GroupState(jid: GroupJID("120363000000000004@g.us")!, subject: "Not ours")
        member.accountRole = .member
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support"), off, unknown, member], clock: { t0 })
        let capture = LogCapture()
        let engine = Engine(rules: try load(Self.rules), options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: capture.logger)
        for tick in 0..<3 { _ = await engine.tick(session: "s", at: t0.addingTimeInterval(Double(tick) * 30)) }
        let reads = await world.calls.filter { $0.operation == .membershipRequests }.map(\.path)
        // Approval on (g1) and not known (…03): read each tick; approval off and not an admin: never.
        #expect(reads.count == 6)
        #expect(reads.allSatisfy { $0.contains(g1.rawValue) || $0.contains("120363000000000003") })
        // Nothing is written where the account is not an admin (the policy would lock it).
        #expect(await world.calls.filter { $0.operation?.isWrite == true && $0.path.contains("120363000000000004") }.isEmpty)
        #expect(await world.calls.filter { $0.status == 403 }.isEmpty)
        // Reported once, naming what is skipped; the status read once for the account.
        let reported = capture.all.filter { $0.contains("the account is not an admin of Not ours") }
        #expect(reported.count == 1)
        #expect(reported.first?.contains("closed,vet") == true)
        #expect(await world.count(of: .sessionStatus) == 1)
    }

    @Test func aRefusalTeachesThatTheAccountIsNotAnAdminWhenTheListingSaysNothing() async throws {
        var member = SandboxWorld.GroupState(jid: g1, subject: "Not ours")
        member.accountRole = .member
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [member], clock: { t0 })
        // A listing without participants: rights are not known until the API refuses.
        let client = ListingWithout(["participants"], inner: SandboxClient(world: world))
        let capture = LogCapture()
        let engine = Engine(rules: try load(Self.rules), options: .init(sessions: ["s"]), client: client, store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: capture.logger)
        for tick in 0..<4 { _ = await engine.tick(session: "s", at: t0.addingTimeInterval(Double(tick) * 30)) }
        // One refused read, then none for the hour the refusal stands; the policy's write not tried after it.
        #expect(await world.calls.filter { $0.operation == .membershipRequests }.count == 1)
        #expect(capture.all.filter { $0.contains("the account is not an admin of Not ours") }.count == 1)
        #expect(capture.all.filter { $0.hasPrefix("warning could not read join requests") }.isEmpty)
        _ = await engine.tick(session: "s", at: t0.addingTimeInterval(AccountRights.refusalStands + 60))
        #expect(await world.calls.filter { $0.operation == .membershipRequests }.count == 2)
    }

    @Test func aGroupWithoutRightsIsReportedOnceEvenWhenOnlyAScheduleTargetsIt() async throws {
        var member = SandboxWorld.GroupState(jid: g1, subject: "Not ours")
        member.accountRole = .member
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [member], clock: { t0 })
        let rules = try load("""
            rules:
              - { id: rotate, groups: "*", trigger: { schedule: { every: 1m } }, then: [rotate_invite] }
            """)
        let capture = LogCapture()
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: capture.logger)
        for tick in 0..<4 { _ = await engine.tick(session: "s", at: t0.addingTimeInterval(Double(tick) * 70)) }
        #expect(capture.all.filter { $0.contains("the account is not an admin of Not ours") }.count == 1)
        #expect(capture.all.filter { $0.contains("is an admin of") && $0.contains("again") }.isEmpty)
        // plan shows it too, though the schedule is not due.
        let (snapshot, _) = try await engine.plan(session: "s", at: t0.addingTimeInterval(290))
        #expect(AccountRights.withoutRights(rules, snapshot.groups).map(\.sources) == [["rotate"]])
        #expect(await world.calls.filter { $0.operation == .revokeInvite }.isEmpty)
    }

    @Test func aRefusedWriteTeachesItToo() async throws {
        var member = SandboxWorld.GroupState(jid: g1, subject: "Not ours")
        member.accountRole = .member
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [member], clock: { t0 })
        let rules = try load("""
            policies:
              - { id: closed, groups: "*", ensure: { locked: true } }
            """)
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: ListingWithout(["participants"], inner: SandboxClient(world: world)),
                            store: MemoryStateStore(), clock: ContinuousClock(), now: { t0 }, logger: quiet)
        for tick in 0..<3 { _ = await engine.tick(session: "s", at: t0.addingTimeInterval(Double(tick) * 30)) }
        // Tried once (refused), then left alone while the refusal stands.
        #expect(await world.calls.filter { $0.operation == .updateSetting }.map(\.status) == [403])
    }

    @Test func aRuleThatChangesAGroupDoesNotFireWhereTheAccountIsNotAnAdmin() throws {
        let rules = try load("""
            rules:
              - { id: big, groups: "*", trigger: { member_count: { above: 10 } }, then: [{ set_announcement: true }] }
              - { id: note, groups: "*", trigger: { member_count: { above: 10 } }, then: [{ log: "big now" }] }
            """)
        var view = Snapshot.GroupView(group: Group(jid: g1, subject: "Big", size: 20, settings: [.announcement: false]))
        view.accountIsAdmin = false
        let state = EngineState(values: [StateKey(.threshold, rule: "big", group: g1.rawValue): ThresholdPhase.armed.stored,
                                         StateKey(.threshold, rule: "note", group: g1.rawValue): ThresholdPhase.armed.stored])
        let plan = Evaluator(rules: rules).evaluate(Snapshot(session: "s", takenAt: t0, groups: [view]), state: state, now: t0)
        #expect(summary(plan) == ["note log"])
        #expect(AccountRights.withoutRights(rules, [view]).map(\.sources) == [["big"]])
    }
}
