import Foundation
import Rules
import Sandbox
import ServiceLifecycle
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// The steps after a write are never lost: a rotation's new link reaches its webhook after a
/// failed delivery, after a stop between the steps, and after a restart, always under the same
/// idempotency key; a failed threshold action is retried until it is done.
struct HandOffTests {
    static let rotation = """
        version: 1
        rules:
          - id: rotate
            groups: "*"
            trigger: { schedule: { every: 1h } }
            then:
              - rotate_invite
              - webhook: { url: "https://hooks.example/invite", body: '{"link": "{{invite.link}}"}' }
        """

    /// A webhook sender that fails its first `failures` posts, recording every post.
    actor FlakyWebhooks: WebhookSender {
        private(set) var posts: [(body: String, key: String?, ok: Bool)] = []
        private var failures: Int
        init(failures: Int) { self.failures = failures }
        func post(url: String, body: String, headers: [String: String]) async throws -> WebhookResponse {
            let ok = failures == 0
            if !ok { failures -= 1 }
            posts.append((body, headers["Idempotency-Key"], ok))
            return WebhookResponse(status: ok ? 200 : 503)
        }
    }

    func engine(_ rules: RuleSet, _ client: any WadialClient, _ store: any StateStore, _ webhooks: any WebhookSender, clock: ManualWallClock) -> Engine<ContinuousClock> {
        Engine(rules: rules, options: .init(sessions: ["s"]), client: client, store: store, webhooks: webhooks, clock: ContinuousClock(), now: { clock.now }, logger: quiet)
    }

    /// The schedule is seen at t0 (it starts counting) and due an hour later.
    func firstRotation(_ engine: Engine<ContinuousClock>, clock: ManualWallClock) async {
        clock.set(t0)
        _ = await engine.tick(session: "s", at: clock.now)
        clock.set(t0.addingTimeInterval(3_600))
        _ = await engine.tick(session: "s", at: clock.now)
    }

    @Test func aRotationsWebhookIsDeliveredAfterOneFailureWithTheSameKey() async throws {
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rotation)])
        let store = MemoryStateStore()
        let webhooks = FlakyWebhooks(failures: 1)
        let engine = engine(rules, SandboxClient(world: world), store, webhooks, clock: clock)
        await firstRotation(engine, clock: clock)
        #expect(await webhooks.posts.count == 1)
        #expect(try await store.handOffs(session: "s").count == 1)
        // Not due yet (30 s backoff): nothing is sent on a tick 10 s later...
        clock.set(t0.addingTimeInterval(3_610))
        _ = await engine.tick(session: "s", at: clock.now)
        #expect(await webhooks.posts.count == 1)
        // ...and it is delivered on the first tick after it.
        clock.set(t0.addingTimeInterval(3_640))
        _ = await engine.tick(session: "s", at: clock.now)
        let posts = await webhooks.posts
        let code = try #require(await world.group(g1)?.inviteCode)
        #expect(posts.map(\.ok) == [false, true])
        #expect(posts.allSatisfy { $0.body == #"{"link": "https://chat.whatsapp.com/\#(code)"}"# })
        #expect(posts[0].key != nil && posts[0].key == posts[1].key)
        #expect(try await store.handOffs(session: "s").isEmpty)
        #expect(await world.count(of: .revokeInvite) == 1)
    }

    /// The client stops the engine gracefully right after the revoke: the webhook is kept, and a
    /// new engine on the same store (the restart) delivers it with the kept values and key.
    @Test func aStopBetweenTheStepsKeepsTheWebhookForTheNextStart() async throws {
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rotation)])
        let store = MemoryStateStore()
        let webhooks = FlakyWebhooks(failures: 0)
        let stopper = StopAfterRevoke(inner: SandboxClient(world: world))
        let first = engine(rules, stopper, store, webhooks, clock: clock)
        clock.set(t0)
        _ = await first.tick(session: "s", at: clock.now)
        clock.set(t0.addingTimeInterval(3_600))
        let group = ServiceGroup(configuration: .init(services: [OneTick(engine: first, at: clock.now)], logger: quiet))
        await stopper.setGroup(group)
        try await group.run()
        #expect(await world.count(of: .revokeInvite) == 1)
        #expect(await webhooks.posts.isEmpty)
        let kept = try #require(try await store.handOffs(session: "s").first)
        #expect(kept.nextStep == 1)

        let restarted = engine(rules, SandboxClient(world: world), store, webhooks, clock: clock)
        await restarted.reconcile()
        _ = await restarted.tick(session: "s", at: clock.now)
        let code = try #require(await world.group(g1)?.inviteCode)
        #expect(await webhooks.posts.map(\.body) == [#"{"link": "https://chat.whatsapp.com/\#(code)"}"#])
        #expect(await webhooks.posts.first?.key == "\(kept.id)-1")
        #expect(await world.count(of: .revokeInvite) == 1)
        #expect(try await store.handOffs(session: "s").isEmpty)
    }

    /// A crash after the revoke (the process is gone; only the store remains): the next engine
    /// delivers the webhook on its first tick.
    @Test func aRestartDeliversWhatTheLastRunDidNot() async throws {
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rotation)])
        let store = MemoryStateStore()
        let broken = FlakyWebhooks(failures: 100)
        await firstRotation(engine(rules, SandboxClient(world: world), store, broken, clock: clock), clock: clock)
        let key = await broken.posts.first?.key
        clock.set(t0.addingTimeInterval(3_700))
        let working = FlakyWebhooks(failures: 0)
        let restarted = engine(rules, SandboxClient(world: world), store, working, clock: clock)
        await restarted.reconcile()
        _ = await restarted.tick(session: "s", at: clock.now)
        #expect(await working.posts.map(\.ok) == [true])
        #expect(await working.posts.first?.key == key)
        #expect(await world.count(of: .revokeInvite) == 1)
    }

    @Test func aStepNotDeliveredWithinDeliverWithinIsGivenUpAndReported() async throws {
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rotation.replacingOccurrences(of: "groups: \"*\"", with: "groups: \"*\"\n    deliver_within: 2m"))])
        let store = MemoryStateStore()
        let broken = FlakyWebhooks(failures: 100)
        let engine = engine(rules, SandboxClient(world: world), store, broken, clock: clock)
        await firstRotation(engine, clock: clock)
        for minute in 1...5 {
            clock.set(t0.addingTimeInterval(3_600 + Double(minute) * 60))
            _ = await engine.tick(session: "s", at: clock.now)
        }
        #expect(try await store.handOffs(session: "s").isEmpty)
        let trail = try await store.audit(since: nil, rule: nil, group: nil)
        #expect(trail.last { $0.action == "webhook" }?.detail.hasPrefix("given up after") == true)
    }

    /// A group crossing `above: 10` at t0 + 60 s, whose `set_announcement` is refused once (HTTP 500).
    func thresholdCrossedWithAFailedWrite() async throws -> (ManualWallClock, SandboxWorld, MemoryStateStore, Engine<ContinuousClock>) {
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support", unlistedMembers: 5)], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: """
            version: 1
            rules:
              - { id: full, groups: "*", trigger: { member_count: { above: 10 } }, then: [{ set_announcement: true }] }
            """)])
        let store = MemoryStateStore()
        let engine = engine(rules, FailFirst(.updateSetting, inner: SandboxClient(world: world)), store, FlakyWebhooks(failures: 0), clock: clock)
        _ = await engine.tick(session: "s", at: clock.now)                      // baseline
        await world.apply(.memberDelta(g1, 20))
        clock.set(t0.addingTimeInterval(60))
        _ = await engine.tick(session: "s", at: clock.now)                      // crosses: the write fails
        return (clock, world, store, engine)
    }

    /// A threshold's write fails (HTTP 500): the threshold is not lost as "fired"; the write is
    /// retried on a later tick and done.
    @Test func aFailedThresholdActionIsRetriedAndThenDone() async throws {
        let (clock, world, store, engine) = try await thresholdCrossedWithAFailedWrite()
        #expect(await world.group(g1)?.settings[.announcement] == false)
        clock.set(t0.addingTimeInterval(120))
        _ = await engine.tick(session: "s", at: clock.now)                      // retried: done
        #expect(await world.group(g1)?.settings[.announcement] == true)
        let attempts = try await store.audit(since: nil, rule: "full", group: nil).map { "\($0.action) \($0.outcome)" }
        #expect(attempts == ["set_announcement failed", "set_announcement done"])
        #expect(try await store.handOffs(session: "s").isEmpty)
    }

    /// A threshold's failed write is not retried once the count is back below the threshold.
    @Test func aThresholdsKeptWriteIsDroppedWhenTheCountIsBack() async throws {
        let (clock, world, store, engine) = try await thresholdCrossedWithAFailedWrite()
        await world.apply(.memberDelta(g1, -20))
        clock.set(t0.addingTimeInterval(120))
        _ = await engine.tick(session: "s", at: clock.now)                      // back below: dropped
        #expect(await world.group(g1)?.settings[.announcement] == false)
        #expect(try await store.handOffs(session: "s").isEmpty)
        #expect(try await store.audit(since: nil, rule: "full", group: nil).last?.detail == "the member count (5) no longer holds the threshold")
    }

    /// A rule that decides and then posts: the post follows a decision that was done, never one
    /// that failed (its requests stay pending, and it fires again).
    @Test func stepsAfterADecisionRunOnlyOnceTheDecisionIsDone() async throws {
        let clock = ManualWallClock(t0)
        let requester = UserJID("15551234567@s.whatsapp.net")!
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support", requests: [.init(jid: requester, requestedAt: t0)])], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: """
            version: 1
            rules:
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests, { webhook: { url: "https://hooks.example/x" } }] }
            """)])
        let store = MemoryStateStore()
        let webhooks = FlakyWebhooks(failures: 0)
        let engine = engine(rules, FailFirst(.decideRequests, inner: SandboxClient(world: world)), store, webhooks, clock: clock)
        _ = await engine.tick(session: "s", at: clock.now)       // the decision is refused: no post
        #expect(await webhooks.posts.isEmpty)
        #expect(try await store.handOffs(session: "s").isEmpty)
        clock.set(t0.addingTimeInterval(60))
        _ = await engine.tick(session: "s", at: clock.now)       // approved, then posted once
        #expect(await webhooks.posts.count == 1)
        #expect(await world.group(g1)?.members.contains { $0.jid == requester } == true)
        clock.set(t0.addingTimeInterval(120))
        _ = await engine.tick(session: "s", at: clock.now)
        #expect(await webhooks.posts.count == 1)
    }

    /// Kept steps of a rule put in audit mode (or disabled) by a reload are dropped, not written.
    @Test func keptStepsOfARuleNowInAuditModeAreDropped() async throws {
        let clock = ManualWallClock(t0)
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { clock.now })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rotation)])
        let store = MemoryStateStore()
        let webhooks = FlakyWebhooks(failures: 1)
        let engine = engine(rules, SandboxClient(world: world), store, webhooks, clock: clock)
        await firstRotation(engine, clock: clock)
        await engine.replaceRules(try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rotation.replacingOccurrences(of: "groups: \"*\"", with: "groups: \"*\"\n    mode: audit"))]))
        clock.set(t0.addingTimeInterval(3_700))
        _ = await engine.tick(session: "s", at: clock.now)
        #expect(await webhooks.posts.count == 1)
        #expect(try await store.handOffs(session: "s").isEmpty)
    }
}

/// Triggers the graceful shutdown of a service group right after a successful revoke.
final class StopAfterRevoke: WadialTransport, @unchecked Sendable {
    let inner: SandboxClient
    private let lock = NSLock()
    private var group: ServiceGroup?
    init(inner: SandboxClient) { self.inner = inner }
    func setGroup(_ group: ServiceGroup) async { lock.withLock { self.group = group } }
    func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
        let answer = try await inner.send(request, session: session)
        if request.operation == .revokeInvite, let group = lock.withLock({ self.group }) {
            await group.triggerGracefulShutdown()
            // As a SIGTERM arriving now: the group tells its services asynchronously.
            for _ in 0..<100 where !Task.isShuttingDownGracefully { try? await Task.sleep(for: .milliseconds(5)) }
        }
        return answer
    }
}

/// The API refusing the first call of one operation with HTTP 500.
final class FailFirst: WadialTransport, @unchecked Sendable {
    let inner: SandboxClient
    let operation: WadialOperation
    private let lock = NSLock()
    private var failed = false
    init(_ operation: WadialOperation, inner: SandboxClient) {
        self.operation = operation
        self.inner = inner
    }
    func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
        if request.operation == operation, lock.withLock({ let first = !failed; failed = true; return first }) {
            throw WadialError.status(500, code: "INTERNAL", message: "try again")
        }
        return try await inner.send(request, session: session)
    }
}

/// One tick of an engine as a service, so that it runs under a service group's graceful shutdown.
struct OneTick: Service {
    let engine: Engine<ContinuousClock>
    let at: Date
    func run() async throws { _ = await engine.tick(session: "s", at: at) }
}
