import Foundation
import Rules
import Sandbox
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// A state store that cannot be written (a full disk, an I/O error) from a switch on: reads
/// still work, every write throws as SQLite does when the disk is full.
actor FullDisk: StateStore {
    let inner = MemoryStateStore()
    var full = false
    func fill(_ full: Bool) { self.full = full }
    struct DiskFull: Error, CustomStringConvertible { var description: String { "database or disk is full" } }
    private func write() throws { if full { throw DiskFull() } }

    func actedRequests(group: GroupJID, requesters: [UserJID]) async throws -> [ActedRequest] { try await inner.actedRequests(group: group, requesters: requesters) }
    func recordActed(_ records: [ActedRequest]) async throws { try write(); await inner.recordActed(records) }
    func values(_ kind: StateKind) async throws -> [StateKey: String] { await inner.values(kind) }
    func commit(_ changes: [(key: StateKey, value: String?)], handOffs: [HandOff]) async throws { try write(); await inner.commit(changes, handOffs: handOffs) }
    func saveHandOff(_ handOff: HandOff) async throws { try write(); await inner.saveHandOff(handOff) }
    func removeHandOff(id: String) async throws { try write(); await inner.removeHandOff(id: id) }
    func handOffs(session: String) async throws -> [HandOff] { await inner.handOffs(session: session) }
    func checkIdentity() async throws {}
    func openIntent(_ intent: JournalIntent) async throws -> Int64 { try write(); return try await inner.openIntent(intent) }
    func closeIntent(_ id: Int64, outcome: String, at: Date) async throws { try write(); await inner.closeIntent(id, outcome: outcome, at: at) }
    func openIntents() async throws -> [JournalEntry] { await inner.openIntents() }
    func appendAudit(_ entries: [AuditEntry]) async throws { try write(); await inner.appendAudit(entries) }
    func audit(since: Date?, rule: String?, group: String?) async throws -> [AuditEntry] { await inner.audit(since: since, rule: rule, group: group) }
    func latestDecisions(limit: Int) async throws -> [AuditEntry] { await inner.latestDecisions(limit: limit) }
    func claimLease(session: String, holder: String, until expires: Date, now: Date, replacing dead: String?) async throws -> LeaseClaim {
        try write()
        return await inner.claimLease(session: session, holder: holder, until: expires, now: now, replacing: dead)
    }
    func releaseLease(session: String, holder: String, now: Date) async throws { try write(); await inner.releaseLease(session: session, holder: holder, now: now) }
    func leases() async throws -> [Lease] { await inner.leases() }
    func heartbeat(instance: String, until expires: Date, now: Date) async throws -> [LiveInstance] {
        try write()
        return await inner.heartbeat(instance: instance, until: expires, now: now)
    }
    func removeInstance(_ id: String) async throws { try write(); await inner.removeInstance(id) }
    func touchActed(_ records: [ActedRequest], at date: Date) async throws { try write(); await inner.touchActed(records, at: date) }
    func prune(_ retention: Retention, now: Date, batch: Int, dryRun: Bool) async throws -> PruneReport {
        try write()
        return await inner.prune(retention, now: now, batch: batch, dryRun: dryRun)
    }
}

struct StateLossTests {
    static let rules = """
        version: 1
        rules:
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
          - id: rotate
            groups: "*"
            trigger: { schedule: { every: 1h } }
            then:
              - rotate_invite
              - webhook: { url: "https://hooks.example/invite", body: '{"link": "{{invite.link}}"}' }
        """

    /// The state file is deleted under the running engine: nothing is written (no decision, no
    /// revoke), /healthz is 503 naming the path and what to do; a new engine (the restart the
    /// message asks for) works again.
    @Test func aDeletedStateFileStopsWritesAndTurnsHealthUnhealthy() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-lost-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        let store = try SQLiteStateStore(path: path)
        #expect(store.isNew)
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: store,
                            webhooks: HandOffTests.FlakyWebhooks(failures: 0), clock: ContinuousClock(), now: { clock.now }, logger: quiet)
        _ = await engine.tick(session: "s", at: clock.now)
        #expect(await engine.health(at: clock.now).healthy)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }

        await world.addRequest(.init(jid: UserJID("15551234567@s.whatsapp.net")!, requestedAt: t0), to: g1)
        clock.set(t0.addingTimeInterval(3_600))
        let report = await engine.tick(session: "s", at: clock.now)
        #expect(report.skipped?.contains("was deleted or moved while the engine runs") == true)
        #expect(await world.count(of: .decideRequests) == 0)
        #expect(await world.count(of: .revokeInvite) == 0)
        let health = await engine.health(at: clock.now)
        #expect(!health.healthy)
        #expect(health.reason == "the state file \(path) was deleted or moved while the engine runs; nothing is written until it is back. Restore it (from a backup) and restart the engine; a restart without it starts afresh")
    }

    /// The disk fills: the tick's state cannot be written, so nothing that depends on it is sent
    /// (no decision, no revoke, no webhook), /healthz is 503 with the reason; once writes work
    /// again the engine goes on by itself and repeats nothing.
    @Test func aFullDiskHoldsEverythingBackAndTheEngineRecoversByItself() async throws {
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        let store = FullDisk()
        let webhooks = HandOffTests.FlakyWebhooks(failures: 0)
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: store,
                            webhooks: webhooks, clock: ContinuousClock(), now: { clock.now }, logger: quiet)
        _ = await engine.tick(session: "s", at: clock.now)
        await store.fill(true)
        await world.addRequest(.init(jid: UserJID("15551234567@s.whatsapp.net")!, requestedAt: t0), to: g1)
        // At once: the first tick that cannot write turns /healthz 503, seconds after a good one.
        clock.set(t0.addingTimeInterval(10))
        _ = await engine.tick(session: "s", at: clock.now)
        let now = await engine.health(at: clock.now)
        #expect(!now.healthy && now.reason == "the state store cannot be written: database or disk is full")
        for minute in 0..<3 {
            clock.set(t0.addingTimeInterval(3_600 + Double(minute) * 60))
            let report = await engine.tick(session: "s", at: clock.now)
            #expect(report.skipped?.contains("the state store cannot be written: database or disk is full") == true)
        }
        #expect(await world.count(of: .decideRequests) == 0)
        #expect(await world.count(of: .revokeInvite) == 0)
        #expect(await webhooks.posts.isEmpty)
        let health = await engine.health(at: clock.now)
        #expect(!health.healthy && health.reason.contains("database or disk is full"))

        await store.fill(false)
        clock.set(t0.addingTimeInterval(3_900))
        _ = await engine.tick(session: "s", at: clock.now)
        clock.set(t0.addingTimeInterval(3_960))
        _ = await engine.tick(session: "s", at: clock.now)
        #expect(await world.count(of: .decideRequests) == 1)
        #expect(await world.count(of: .revokeInvite) == 1)
        #expect(await webhooks.posts.count == 1)
        #expect(await engine.health(at: clock.now).healthy)
    }
}
