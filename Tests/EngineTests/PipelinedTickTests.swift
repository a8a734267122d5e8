import Foundation
import Rules
import Sandbox
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// The sandbox's API, with the request read of one group held until a decision of another group
/// has reached the API (or a deadline passes): a tick that reads everything before it writes
/// never lets that decision through in time.
private struct HeldRead: WadialTransport {
    let inner: SandboxClient
    let world: SandboxWorld
    let held: GroupJID
    let seen: Flag

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
        if request.operation == .membershipRequests, request.segments.contains(held.rawValue) {
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline {
                if await world.calls.contains(where: { $0.operation == .decideRequests }) {
                    seen.set()
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        return try await inner.send(request, session: session)
    }
}

struct PipelinedTickTests {
    static let rules = """
        version: 1
        rules:
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
        """

    @Test func aGroupIsDecidedAsSoonAsItIsReadWhileLaterGroupsAreStillBeingRead() async throws {
        let g3 = GroupJID("120363000000000003@g.us")!
        let groups = [g1, g2, g3].enumerated().map { index, jid in
            SandboxWorld.GroupState(jid: jid, subject: "Group \(index)", requests: [.init(jid: UserJID("1555000000\(index)@s.whatsapp.net")!, requestedAt: t0)])
        }
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: groups, clock: { t0 })
        let seen = HeldRead.Flag()
        let client = HeldRead(inner: SandboxClient(world: world), world: world, held: g3, seen: seen)
        let rules = try RuleLoader(environment: [:]).load([.init(name: "p.yaml", text: Self.rules)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: client, store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        let report = await engine.tick(session: "s", at: t0)
        // The first group's approval reached the API while the third group's read was held.
        #expect(seen.isSet)
        #expect(report.execution?.writes == 3)
        #expect(await world.calls.filter { $0.operation == .decideRequests }.count == 3)
        #expect(report.plan.map(summary)?.count == 3)
    }

    @Test func groupsAreReadInTheListingsOrderEveryTickAndBusyOnesAreKnown() async throws {
        let g3 = GroupJID("120363000000000003@g.us")!
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [
            .init(jid: g1, subject: "One"), .init(jid: g2, subject: "Two"),
            .init(jid: g3, subject: "Three", requests: [.init(jid: UserJID("15550000001@s.whatsapp.net")!, requestedAt: t0)]),
        ], clock: { t0 })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "p.yaml", text: Self.rules)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        func readOrder() async -> [String] {
            await world.calls.filter { $0.operation == .membershipRequests }.suffix(3).map(\.path)
        }
        _ = await engine.tick(session: "s", at: t0)
        let listing = await readOrder()
        #expect(listing.count == 3 && listing[2].contains(g3.rawValue))
        #expect(await engine.busyGroups.groups("s") == [g3])
        // A steady order: the busy group is not moved forward (that would move the others back).
        _ = await engine.tick(session: "s", at: t0.addingTimeInterval(30))
        #expect(await readOrder() == listing)
        // Quiet for `busyTicks` ticks: no longer busy.
        for tick in 0..<BusyGroups.busyTicks { _ = await engine.tick(session: "s", at: t0.addingTimeInterval(Double(60 + tick * 30))) }
        #expect(await engine.busyGroups.groups("s").isEmpty)
    }
}

struct BusyReadTests {
    @Test func busyGroupsAreReadAgainBetweenTicksAndQuietOnesAreNot() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [
            .init(jid: g1, subject: "Busy", requests: [.init(jid: UserJID("15550000001@s.whatsapp.net")!, requestedAt: t0)]),
            .init(jid: g2, subject: "Quiet"),
        ], clock: { t0 })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "p.yaml", text: PipelinedTickTests.rules)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        _ = await engine.tick(session: "s", at: t0)
        await world.addRequest(.init(jid: UserJID("15550000002@s.whatsapp.net")!, requestedAt: t0), to: g1)
        await world.addRequest(.init(jid: UserJID("15550000003@s.whatsapp.net")!, requestedAt: t0), to: g2)
        let before = await world.calls.count
        let plan = await engine.readBusyGroups(session: "s", at: t0.addingTimeInterval(8))
        #expect(plan.map(summary) == ["vet approve_requests 15550000002@s.whatsapp.net"])
        // One read (the busy group) and one approval: the quiet group waits for the tick.
        let calls = await world.calls.dropFirst(before)
        #expect(calls.map(\.operation) == [.membershipRequests, .decideRequests])
        #expect(calls.first?.path.contains(g1.rawValue) == true)
        // Nothing new: a read, no decision twice.
        #expect(await engine.readBusyGroups(session: "s", at: t0.addingTimeInterval(16)) == nil)
        #expect(await world.calls.filter { $0.operation == .decideRequests }.count == 2)
    }

    @Test func aGroupWhoseRequestRulesChangeSettingsWaitsForTheTick() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [
            .init(jid: g1, subject: "Busy", requests: [.init(jid: UserJID("15550000001@s.whatsapp.net")!, requestedAt: t0)]),
        ], clock: { t0 })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "p.yaml", text: PipelinedTickTests.rules + "\n" + """
              - { id: lock, groups: "*", priority: 5, trigger: { membership_requests: {} }, if: { number_prefix: ["+1555"] }, then: [approve_requests, { set_locked: true }] }
            """)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        _ = await engine.tick(session: "s", at: t0)
        await world.addRequest(.init(jid: UserJID("15550000002@s.whatsapp.net")!, requestedAt: t0), to: g1)
        // `lock` would win the request by priority, and may not run between ticks: the group waits.
        #expect(await engine.readBusyGroups(session: "s", at: t0.addingTimeInterval(8)) == nil)
        #expect(await world.calls.filter { $0.operation == .decideRequests }.count == 1)
    }

    @Test func theIntervalIsAQuarterOfThePollAtLeastFiveSeconds() {
        #expect(Engine<ContinuousClock>.busyInterval(poll: .seconds(30)) == .milliseconds(7_500))
        #expect(Engine<ContinuousClock>.busyInterval(poll: .seconds(10)) == .seconds(5))
        #expect(Engine<ContinuousClock>.busyInterval(poll: .seconds(5)) == nil)
    }
}
