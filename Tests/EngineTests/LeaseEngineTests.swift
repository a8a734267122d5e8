import Foundation
import Rules
import Sandbox
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// The engine's side of the lease protocol, in process: only the holder ticks, a holder whose
/// lease was taken sends nothing (the journal fences it), and retention runs after a round.
struct LeaseEngineTests {
    static let rules = """
        version: 1
        rules:
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
        """

    func world() -> SandboxWorld {
        let request = SandboxWorld.PendingRequest(jid: UserJID("15551234567@s.whatsapp.net")!, requestedAt: Date().addingTimeInterval(-60))
        return SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support", requests: [request])])
    }

    func engine(_ world: SandboxWorld, _ store: any StateStore, leases: LeaseBook?, retention: Retention? = nil) throws -> Engine<ContinuousClock> {
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        return Engine(rules: rules, options: .init(sessions: ["s"], once: true, leases: leases, retention: retention), client: SandboxClient(world: world),
                      store: store, clock: ContinuousClock(), logger: quiet)
    }

    func decisions(_ world: SandboxWorld) async -> Int {
        await world.calls.filter { $0.operation == .decideRequests }.count
    }

    @Test func onlyTheHolderOfTheLeaseActsAndAStandbyIsHealthy() async throws {
        let world = world()
        let store = MemoryStateStore()
        // Another engine holds the session's lease for the next minute.
        _ = try await store.claimLease(session: "s", holder: "other:1:a", until: Date().addingTimeInterval(60), now: Date())
        let standby = try engine(world, store, leases: LeaseBook(instance: "me:2:b", duration: .seconds(10), margin: .seconds(2)))
        try await standby.run()
        #expect(await decisions(world) == 0, "a standby decided")
        let health = await standby.health(at: Date())
        #expect(health.healthy && health.reason == "standby: session s is held by other:1:a", "\(health)")

        // Handed back: the next engine takes it (epoch 2) and acts, once.
        try await store.releaseLease(session: "s", holder: "other:1:a", now: Date())
        let active = try engine(world, store, leases: LeaseBook(instance: "me:3:c", duration: .seconds(10), margin: .seconds(2)))
        try await active.run()
        #expect(await decisions(world) == 1)
        // A run --once hands the lease back on the way out.
        let after = try await store.leases()
        #expect(after.first.map { $0.holder.isEmpty && $0.epoch == 2 } == true, "\(after)")
    }

    @Test func aHolderWhoseLeaseWasTakenOverSendsNothing() async throws {
        let world = world()
        let store = MemoryStateStore()
        let leases = LeaseBook(instance: "me:1:a", duration: .seconds(30), margin: .seconds(2))
        let engine = try engine(world, store, leases: leases)
        await engine.keepLeases(leases)
        #expect(await leases.holds("s"))
        // Taken over behind its back (its process was paused past its lease, say): epoch 2.
        _ = try await store.claimLease(session: "s", holder: "other:2:b", until: Date().addingTimeInterval(120), now: Date().addingTimeInterval(31))
        _ = await engine.tick(session: "s", at: Date())
        #expect(await decisions(world) == 0, "a holder of an old epoch sent a decision")
        #expect(try await store.openIntents().isEmpty, "the journal took an intent of an old epoch")
        // Its next renewal learns it lost the lease.
        await engine.keepLeases(leases)
        #expect(await !leases.holds("s"))
    }

    @Test func writesStopBeforeTheMarginAndTheGateSaysSo() async throws {
        let leases = LeaseBook(instance: "me:1:a", duration: .seconds(3), margin: .seconds(1))
        #expect(await leases.window(session: "s") == nil, "no lease: no write")
        _ = await leases.claimed(Lease(session: "s", holder: "me:1:a", epoch: 4, expires: Date().addingTimeInterval(3)), sent: .now)
        let window = try #require(await leases.window(session: "s"))
        #expect(window <= .seconds(2) && window > .milliseconds(1500), "the write must end before the margin: \(window)")
        #expect(await leases.epoch("s") == 4)
        // Claimed 2.6 s ago: less than the margin (and the 500 ms floor) left.
        _ = await leases.claimed(Lease(session: "s", holder: "me:1:a", epoch: 4, expires: Date()), sent: .now - .milliseconds(2600))
        #expect(await leases.window(session: "s") == nil)
        #expect(await leases.epoch("s") == nil)
    }

    @Test func aGoneProcessOfThisMachineIsToldFromALiveOneAndFromAnotherMachine() async throws {
        let me = LeaseBook.instanceID()
        let book = LeaseBook(instance: me, duration: .seconds(10), margin: .seconds(2))
        let place = String(me.split(separator: ":")[3])
        #expect(!place.isEmpty)
        // A process that ran here and has ended (reaped): gone.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        #expect(await book.isGoneFromThisMachine("host:\(child.processIdentifier):1:\(place)"))
        // Alive (this process's parent), another machine or namespace, or not an id of ours: not gone.
        #expect(await !book.isGoneFromThisMachine("host:\(getppid()):1:\(place)"))
        #expect(await !book.isGoneFromThisMachine("host:\(child.processIdentifier):1:0123456789abcdef"))
        #expect(await !book.isGoneFromThisMachine("host:\(child.processIdentifier):1"))
        #expect(await !book.isGoneFromThisMachine(me))
        // With local take-over off, nothing is judged gone.
        let waiting = LeaseBook(instance: me, duration: .seconds(10), margin: .seconds(2), localTakeover: false)
        #expect(await !waiting.isGoneFromThisMachine("host:\(child.processIdentifier):1:\(place)"))
    }

    @Test func aLeaseThatIsNotRenewedMakesTheEngineUnhealthyBeforeItLapses() async throws {
        let leases = LeaseBook(instance: "me:1:a", duration: .seconds(10), margin: .seconds(2))
        let engine = try engine(world(), MemoryStateStore(), leases: leases)
        // Last renewed 8.5 s ago (the store has not answered since): less than the margin is left.
        _ = await leases.claimed(Lease(session: "s", holder: "me:1:a", epoch: 1, expires: Date().addingTimeInterval(1.5)), sent: .now - .milliseconds(8500))
        let health = await engine.health(at: Date())
        #expect(!health.healthy && health.reason.contains("lease of session s is about to lapse"), "\(health)")
    }

    @Test func aSessionNoLiveEngineServesIsTakenBeyondTheShare() async throws {
        // a serves s1 and s2, b only s3: a's share is one, yet s2 must not be left alone.
        let store = MemoryStateStore()
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        let world = SandboxWorld(sessions: ["s1", "s2", "s3"].map { .init(id: $0) }, groups: [])
        let bookA = LeaseBook(instance: "a", duration: .seconds(30), margin: .seconds(2))
        let bookB = LeaseBook(instance: "b", duration: .seconds(30), margin: .seconds(2))
        let a = Engine(rules: rules, options: .init(sessions: ["s1", "s2"], leases: bookA), client: SandboxClient(world: world), store: store,
                       clock: ContinuousClock(), logger: quiet)
        let b = Engine(rules: rules, options: .init(sessions: ["s3"], leases: bookB), client: SandboxClient(world: world), store: store,
                       clock: ContinuousClock(), logger: quiet)
        await b.keepLeases(bookB)
        await a.keepLeases(bookA)
        #expect(await bookA.heldSessions.count == 1, "within its share at first")
        // After a whole lease with nobody on it, the other session is taken too.
        await bookA.setStartedAt(.now - .seconds(31))
        await a.keepLeases(bookA)
        #expect(await bookA.heldSessions == ["s1", "s2"])
        #expect(await bookB.heldSessions == ["s3"])
    }

    @Test func sessionsAreSharedOutFairly() async throws {
        let store = MemoryStateStore()
        let world = SandboxWorld(sessions: ["s1", "s2", "s3"].map { .init(id: $0) }, groups: [])
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        func make(_ name: String) -> (Engine<ContinuousClock>, LeaseBook) {
            let book = LeaseBook(instance: name, duration: .seconds(30), margin: .seconds(2))
            return (Engine(rules: rules, options: .init(sessions: ["s1", "s2", "s3"], leases: book), client: SandboxClient(world: world),
                           store: store, clock: ContinuousClock(), logger: quiet), book)
        }
        let (a, bookA) = make("a")
        await a.keepLeases(bookA)
        #expect(await bookA.heldSessions.count == 3, "alone, it takes every session")
        let (b, bookB) = make("b")
        await b.keepLeases(bookB)
        // b's share is 2 of 3, but a holds them all: a gives one up (between ticks), b takes it.
        await a.keepLeases(bookA)
        var given: [String] = []
        for session in ["s1", "s2", "s3"] where await bookA.shouldRelease(session) {
            await a.handBack(session, bookA, reason: "test")
            given.append(session)
        }
        #expect(given.count == 1)
        await b.keepLeases(bookB)
        #expect(await bookA.heldSessions.count == 2)
        #expect(await bookB.heldSessions == given)
    }

    @Test func retentionPrunesAfterARound() async throws {
        let store = MemoryStateStore()
        let old = Date().addingTimeInterval(-200 * 86_400)
        try await store.appendAudit([AuditEntry(at: old, rule: "r", group: g1.rawValue, action: "log", targets: [], mode: .enforce, outcome: .done, detail: "old")])
        let engine = try engine(world(), store, leases: nil, retention: Retention(audit: 90 * 86_400, journal: 30 * 86_400, acted: 30 * 86_400))
        try await engine.run()
        let left = try await store.audit(since: nil, rule: nil, group: nil)
        #expect(!left.contains { $0.detail == "old" }, "the 200-day-old row was kept")
        #expect(left.contains { $0.action == "approve_requests" }, "this round's own rows are kept")
    }
}
