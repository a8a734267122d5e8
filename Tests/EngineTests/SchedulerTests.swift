import Clocks
import Foundation
import Rules
import Sandbox
import ServiceLifecycle
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// The engine's loop over a test clock: it sleeps until the next poll or schedule time, whichever
/// is first, and ticks once per wake.
struct SchedulerTests {
    static let rules = """
        version: 1
        settings: { poll_interval: 30s }
        rules:
          - { id: rotate, groups: "*", trigger: { schedule: { every: 45s } }, then: [rotate_invite] }
        """

    /// Waits for the engine's task to catch up (it runs concurrently): checks `condition` between
    /// short pauses, for at most 30 s of real time (other suites start processes meanwhile). The
    /// engine's time is the test clock's.
    static func eventually(_ condition: () async -> Bool) async -> Bool {
        let limit = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < limit {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return await condition()
    }

    /// Lets the engine's task run whatever it would run now, so that "nothing happened yet" is
    /// checked after it had the chance to happen.
    static func settle() async {
        for _ in 0..<50 { await Task.yield() }
        try? await Task.sleep(for: .milliseconds(50))
    }

    /// Waits (at most 30 s of real time) until the engine sleeps on `clock`: an advance made
    /// before its sleep would be missed by it.
    static func sleeping(_ clock: TestClock<Duration>) async {
        // `checkSuspension` throws while something sleeps on the clock.
        _ = await eventually { (try? await clock.checkSuspension()) == nil }
    }

    @Test func sleepsUntilTheEarlierOfPollAndScheduleTime() async throws {
        let clock = TestClock()
        let origin = clock.now
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let wall: @Sendable () -> Date = { start.addingTimeInterval(origin.duration(to: clock.now).seconds) }
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: wall)
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: clock, now: wall, logger: quiet)
        func ticks() async -> Int { await world.calls.filter { $0.operation == .listGroups }.count }
        func rotations() async -> Int { await world.calls.filter { $0.operation == .revokeInvite }.count }

        let group = ServiceGroup(configuration: .init(services: [engine], logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await Self.eventually { await ticks() == 1 })  // at start; the schedule starts counting
            await Self.sleeping(clock)
            await clock.advance(by: .seconds(29))
            await Self.settle()
            #expect(await ticks() == 1)
            await clock.advance(by: .seconds(1))  // 30 s: the poll
            #expect(await Self.eventually { await ticks() == 2 })
            #expect(await rotations() == 0)
            await clock.advance(by: .seconds(14))
            await Self.settle()
            #expect(await ticks() == 2)
            #expect(await rotations() == 0)
            await clock.advance(by: .seconds(1))  // 45 s: the schedule, before the next poll at 60 s
            #expect(await Self.eventually { await rotations() == 1 })
            #expect(await ticks() == 3)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Counts calls from the engine's task (the hook is synchronous).
    final class RoundCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    @Test func theAfterRoundHookRunsOnceAfterEverySessionTickedAndNotOnAOnceRun() async throws {
        let clock = TestClock()
        let world = SandboxWorld(sessions: [.init(id: "s"), .init(id: "t")], groups: [.init(jid: g1, subject: "Support")])
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        let rounds = RoundCounter()
        let engine = Engine(rules: rules, options: .init(sessions: ["s", "t"], afterRound: { rounds.increment() }),
                            client: SandboxClient(world: world), store: MemoryStateStore(), clock: clock, logger: quiet)
        func ticks() async -> Int { await world.calls.filter { $0.operation == .listGroups }.count }

        let group = ServiceGroup(configuration: .init(services: [engine], logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await Self.eventually { rounds.value == 1 })
            #expect(await ticks() == 2)  // both sessions, then the hook
            // The hook runs before the engine goes to sleep: let it get there, or the advance
            // could come before its sleep and the sleep would wait for the next one.
            await Self.sleeping(clock)
            await clock.advance(by: .seconds(30))
            #expect(await Self.eventually { rounds.value == 2 })
            #expect(await ticks() == 4)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }

        let onceRounds = RoundCounter()
        let once = Engine(rules: rules, options: .init(sessions: ["s"], once: true, afterRound: { onceRounds.increment() }),
                          client: SandboxClient(world: world), store: MemoryStateStore(), clock: clock, logger: quiet)
        try await once.run()
        #expect(await ticks() == 5)
        #expect(onceRounds.value == 0)
    }

    @Test func aSessionThatIsNotConnectedIsSkipped() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s", connected: false)], groups: [.init(jid: g1, subject: "Support")])
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), logger: quiet)
        let report = await engine.tick(session: "s", at: Date())
        #expect(report.skipped == "session s is not connected")
        // The list failed, so the status was read to tell a session that is down from a failure.
        #expect(await world.calls.map(\.operation) == [.listGroups, .sessionStatus])
        // Known to be down: the status comes first, until it is up again.
        #expect(await engine.tick(session: "s", at: Date()).skipped == "session s is not connected")
        #expect(await world.calls.map(\.operation) == [.listGroups, .sessionStatus, .sessionStatus])
        await world.setConnected(true, session: "s")
        #expect(await engine.tick(session: "s", at: Date()).skipped == nil)
        #expect(await world.calls.map(\.operation).suffix(2) == [.sessionStatus, .listGroups])
    }

    @Test func aConnectedSessionIsNotAskedItsStatus() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")])
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), logger: quiet)
        #expect(await engine.tick(session: "s", at: Date()).skipped == nil)
        #expect(await engine.tick(session: "s", at: Date()).skipped == nil)
        #expect(await engine.tick(session: "s", at: Date()).skipped == nil)
        // The group list is the connection check: the status is read once, for the account's
        // identity (the listing names admins), not per tick.
        #expect(await world.calls.filter { $0.operation == .sessionStatus }.count == 1)
        #expect(await world.calls.filter { $0.operation == .listGroups }.count == 3)
    }
}
