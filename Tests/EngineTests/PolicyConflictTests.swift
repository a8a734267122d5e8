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
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SizelessListing(inner: SandboxClient(world: world)),
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
