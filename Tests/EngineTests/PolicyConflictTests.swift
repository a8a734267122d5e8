import Foundation
import Rules
import Sandbox
import SandboxTesting
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

private func load(_ text: String) throws -> RuleSet {
    try RuleLoader(environment: [:]).load([.init(name: "p.yaml", text: "version: 1\n" + text)])
}

struct PolicyConditionTests {
    @Test func aPolicyHoldsOnlyWhileItsConditionDoes() throws {
        // "announcement off unless above 950".
        let rules = try load("""
            policies:
              - { id: open-chat, groups: "*", ensure: { announcement: false }, if: { member_count: { below: 951 } } }
            """)
        func plan(size: Int?) -> [String] {
            let group = Group(jid: g1, subject: "Chat", size: size, settings: [.announcement: true])
            return summary(Evaluator(rules: rules).evaluate(Snapshot(session: "s", takenAt: t0, groups: [.init(group: group)]), state: EngineState(), now: t0))
        }
        #expect(plan(size: 950) == ["open-chat set_announcement"])
        #expect(plan(size: 951).isEmpty)
        // A count that is not known does not hold: the policy does nothing rather than guess.
        #expect(plan(size: nil).isEmpty)
    }

    @Test func aPolicyConditionOnACountTheListingLacksReadsTheMetadata() async throws {
        var group = SandboxWorld.GroupState(jid: g1, subject: "Chat", unlistedMembers: 4)
        group.settings[.membershipApproval] = .bool(false)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [group], clock: { t0 })
        // The listing has membership approval (not stripped), and no count.
        let rules = try load("""
            policies:
              - { id: vetted-when-small, groups: "*", ensure: { membership_approval: true }, if: { member_count: { below: 10 } } }
            """)
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: ListingWithout(ListingWithout.sizesSettingsAndParticipants, inner: SandboxClient(world: world)),
                            store: MemoryStateStore(), clock: ContinuousClock(), now: { t0 }, logger: quiet)
        let report = await engine.tick(session: "s", at: t0)
        #expect(report.plan.map(summary) == ["vetted-when-small set_membership_approval"])
        #expect(await world.count(of: .group) == 1)
    }
}

struct RunTimeConflictTests {
    static let rules = """
        rules:
          - id: night-announce
            groups: "*"
            trigger: { schedule: { every: 1h } }
            then: [{ set_announcement: true }, { log: "announcement on for the night" }]
        policies:
          - { id: open-chat, groups: "*", ensure: { announcement: false } }
          - { id: lock-a, groups: "*", ensure: { locked: true } }
          - { id: lock-b, groups: "*", ensure: { locked: false } }
        """

    @Test func settingsWantedTwoWaysAreSetByNeitherAndRecordedOnce() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Chat")], clock: { t0 })
        let store = MemoryStateStore()
        let capture = LogCapture()
        let engine = Engine(rules: try load(Self.rules), options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: store,
                            clock: ContinuousClock(), now: { t0 }, logger: capture.logger)
        _ = await engine.tick(session: "s", at: t0)  // the schedule starts counting
        let report = await engine.tick(session: "s", at: t0.addingTimeInterval(3_700))
        let plan = try #require(report.plan)
        // The schedule's firing is dropped whole (its log step too); the locks fight each other.
        #expect(summary(plan).isEmpty)
        #expect(plan.conflicts.map(\.summary) == [
            "announcement: rule \"night-announce\" wants true, policy \"open-chat\" wants false; none of them is done",
            "locked: policy \"lock-a\" wants true, policy \"lock-b\" wants false; none of them is done",
        ])
        #expect(await world.calls.filter { $0.operation?.isWrite == true }.isEmpty)
        _ = await engine.tick(session: "s", at: t0.addingTimeInterval(3_730))
        let recorded = try await store.audit(since: nil, rule: nil, group: nil).filter { $0.outcome == .conflict }
        // Once while the conflict lasts: the locks' conflict was there on every tick, the schedule's on one.
        #expect(recorded.map(\.rule).sorted() == ["lock-a", "lock-b", "night-announce", "open-chat"])
        #expect(capture.all.filter { $0.hasPrefix("error rules and policies want") }.count == 2)
    }
}

struct ConflictEdgeTests {
    @Test func aConflictIsAuditedOnceAcrossRestarts() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Chat")], clock: { t0 })
        let store = MemoryStateStore()
        let rules = try load(RunTimeConflictTests.rules)
        for run in 0..<3 {
            // A new engine each time, as `run --once` from cron would be.
            let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: store,
                                clock: ContinuousClock(), now: { t0 }, logger: quiet)
            _ = await engine.tick(session: "s", at: t0.addingTimeInterval(Double(run) * 30))
        }
        let recorded = try await store.audit(since: nil, rule: nil, group: nil).filter { $0.outcome == .conflict }
        #expect(recorded.map(\.rule).sorted() == ["lock-a", "lock-b"])
        // Once it has ended, a new one is recorded again.
        let calm = try load("""
            policies:
              - { id: lock-a, groups: "*", ensure: { locked: true } }
            """)
        let engine = Engine(rules: calm, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: store,
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        _ = await engine.tick(session: "s", at: t0.addingTimeInterval(100))
        #expect(try await store.values(.conflict).isEmpty)
    }

    @Test func explainSaysWhyAFiringWasRefused() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [
            .init(jid: g1, subject: "Chat", requests: [.init(jid: UserJID("15550000001@s.whatsapp.net")!, requestedAt: t0)]),
        ], clock: { t0 })
        let rules = try load("""
            rules:
              - { id: approve-and-lock, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests, { set_locked: true }] }
            policies:
              - { id: open, groups: "*", ensure: { locked: false } }
            """)
        let engine = Engine(rules: rules, options: .init(sessions: ["s"], dryRun: true), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        let explanation = try await engine.explain(session: "s", group: g1, requester: UserJID("15550000001@s.whatsapp.net")!, at: t0)
        #expect(explanation.decision.hasPrefix("none: the rule's firing is refused this tick, since rules and policies want locked: rule \"approve-and-lock\" wants true"))
    }

    private func evaluate(_ text: String, settings: GroupSettings, state: EngineState = EngineState(), size: Int = 20) throws -> Plan {
        let rules = try load(text)
        let group = Group(jid: g1, subject: "Chat", size: size, settings: settings)
        return Evaluator(rules: rules).evaluate(Snapshot(session: "s", takenAt: t0, groups: [.init(group: group)]), state: state, now: t0)
    }

    @Test func aRefusedCrossingIsNotUsedUpAndFiresOnceTheConflictIsGone() throws {
        let text = """
            rules:
              - { id: big, groups: "*", trigger: { member_count: { above: 10 } }, then: [{ set_announcement: true }] }
            policies:
              - { id: quiet, groups: "*", ensure: { announcement: false }, if: { subject: "Chat" } }
            """
        let armed = EngineState(values: [StateKey(.threshold, rule: "big", group: g1.rawValue): ThresholdPhase.armed.stored])
        let refused = try evaluate(text, settings: [.announcement: false], state: armed)
        #expect(refused.actions.isEmpty && refused.conflicts.count == 1)
        // The crossing is not stamped: the phase stays armed.
        #expect(!refused.stateChanges.contains { $0.key.rule == "big" })
        // Once the policy no longer holds (renamed group), the rule fires.
        let rules = try load(text)
        let renamed = Group(jid: g1, subject: "Lobby", size: 20, settings: [.announcement: false])
        let later = Evaluator(rules: rules).evaluate(Snapshot(session: "s", takenAt: t0, groups: [.init(group: renamed)]), state: armed, now: t0)
        #expect(summary(later) == ["big set_announcement"])
    }

    @Test func aRuleThatSetsASettingTwiceWantsItsLastValue() throws {
        let plan = try evaluate("""
            rules:
              - id: rotate-quietly
                groups: "*"
                trigger: { member_count: { above: 10 } }
                then: [{ set_locked: true }, rotate_invite, { set_locked: false }]
            policies:
              - { id: open, groups: "*", ensure: { locked: false } }
            """, settings: [.locked: false], state: EngineState(values: [StateKey(.threshold, rule: "rotate-quietly", group: g1.rawValue): ThresholdPhase.armed.stored]))
        #expect(plan.conflicts.isEmpty)
        #expect(summary(plan) == ["rotate-quietly set_locked", "rotate-quietly rotate_invite", "rotate-quietly set_locked"])
    }

    @Test func twoRulesThatDisagreeAreRefusedToo() throws {
        let plan = try evaluate("""
            rules:
              - { id: on, groups: "*", trigger: { member_count: { above: 10 } }, then: [{ set_announcement: true }] }
              - { id: off, groups: "*", trigger: { member_count: { above: 5 } }, then: [{ set_announcement: false }] }
            """, settings: [.announcement: false], state: EngineState(values: [
                StateKey(.threshold, rule: "on", group: g1.rawValue): ThresholdPhase.armed.stored,
                StateKey(.threshold, rule: "off", group: g1.rawValue): ThresholdPhase.armed.stored,
            ]))
        #expect(plan.actions.isEmpty)
        #expect(plan.conflicts.map(\.summary) == ["announcement: rule \"on\" wants true, rule \"off\" wants false; none of them is done"])
    }

    @Test func aPolicysCorrectionIsKeptWhenTheRuleThatWouldHaveMadeItIsRefused() throws {
        let plan = try evaluate("""
            rules:
              - { id: r, groups: "*", trigger: { member_count: { above: 10 } }, then: [{ set_member_add_mode: admin_add }, { set_announcement: true }] }
            policies:
              - { id: a, groups: "*", ensure: { member_add_mode: admin_add } }
              - { id: b, groups: "*", ensure: { announcement: false } }
            """, settings: [.memberAddMode: "all_member_add", .announcement: false],
            state: EngineState(values: [StateKey(.threshold, rule: "r", group: g1.rawValue): ThresholdPhase.armed.stored]))
        // r is refused (announcement); a's correction of member_add_mode is then still made.
        #expect(summary(plan) == ["a set_member_add_mode"])
        #expect(plan.conflicts.count == 1)
    }
}
