import Foundation
import Rules
import Sandbox
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// Records webhook posts instead of sending them.
actor RecordingWebhooks: WebhookSender {
    private(set) var posts: [(url: String, body: String, headers: [String: String])] = []
    var status = 200
    func setStatus(_ status: Int) { self.status = status }
    func post(url: String, body: String, headers: [String: String]) async throws -> WebhookResponse {
        posts.append((url, body, headers))
        return WebhookResponse(status: status)
    }
}

/// Every action kind, carried out against an in-process world.
struct ExecutorTests {
    static let member = UserJID("15550000002@s.whatsapp.net")!

    func run(_ then: String, webhooks: RecordingWebhooks = RecordingWebhooks()) async throws -> (SandboxWorld, MemoryStateStore, ExecutionReport) {
        let world = SandboxWorld(
            sessions: [.init(id: "s")],
            groups: [.init(jid: g1, subject: "Support", members: [Participant(jid: Self.member)], unlistedMembers: 9)],
            clock: { t0 })
        let (store, report) = try await runScheduledRule(then, on: world, webhooks: webhooks)
        return (world, store, report)
    }

    @Test func everyActionKind() async throws {
        let webhooks = RecordingWebhooks()
        let (world, store, report) = try await run("""
                  - set_announcement: true
                  - set_locked: true
                  - set_member_add_mode: all_member_add
                  - set_member_link_mode: all_member_link
                  - set_history_sharing: admin_share
                  - set_ephemeral: 90d
                  - set_membership_approval: false
                  - update_profile: { subject: "{{group.subject}} (busy)", description: "{{group.size}} members, rule {{rule.id}}" }
                  - participants: { action: promote, numbers: ["+1 555 000 0002"] }
                  - rotate_invite
                  - webhook: { url: "https://hooks.example/{{group.jid}}", body: '{"link":"{{invite.link}}"}', headers: { X-Token: t } }
                  - log: "code {{invite.code}}"
                  - leave_group
            """, webhooks: webhooks)
        let group = try #require(await world.group(g1))
        #expect(group.settings == GroupSettings([.announcement: true, .locked: true, .memberAddMode: "all_member_add", .memberLinkMode: "all_member_link", .historySharing: "admin_share", .ephemeral: .seconds(7_776_000), .membershipApproval: false]))
        #expect(group.subject == "Support (busy)")
        #expect(group.description == "10 members, rule all")
        #expect(group.members.first { $0.jid == Self.member }?.role == .admin)
        let posts = await webhooks.posts
        // Each value percent-encoded in a URL: `@` as %40.
        #expect(posts.map(\.url) == ["https://hooks.example/120363000000000001%40g.us"])
        #expect(posts.first?.body == "{\"link\":\"https://chat.whatsapp.com/\(group.inviteCode)\"}")
        #expect(posts.first?.headers["X-Token"] == "t")
        // Each delivery carries a key that is the same on every retry (the hand-off's id and step).
        #expect(posts.first?.headers["Idempotency-Key"]?.hasSuffix("-10") == true)
        let trail = try await store.audit(since: nil, rule: nil, group: nil)
        #expect(trail.map(\.outcome).allSatisfy { $0 == .done })
        #expect(trail.first { $0.action == "log" }?.detail == "code \(group.inviteCode)")
        #expect(await world.calls.filter { $0.operation == .leave }.count == 1)
        #expect(report.writes == 11)  // webhook and log are not API writes
        #expect(try await store.openIntents().isEmpty)
    }

    @Test func aFailedStepStopsTheRulesRemainingSteps() async throws {
        let webhooks = RecordingWebhooks()
        await webhooks.setStatus(500)
        let (world, store, report) = try await run("""
                  - rotate_invite
                  - webhook: { url: "https://hooks.example/x" }
                  - set_locked: true
            """, webhooks: webhooks)
        #expect(await world.group(g1)?.settings[.locked] == false)
        #expect(report.failures == 1)
        let outcomes = try await store.audit(since: nil, rule: nil, group: nil).map { "\($0.action) \($0.outcome)" }
        #expect(outcomes == ["rotate_invite done", "webhook failed"])
        // The rest is kept, not dropped: the webhook (with the new link) and then set_locked.
        let kept = try #require(try await store.handOffs(session: "s").first)
        #expect(kept.nextStep == 1 && kept.attempts == 1)
        #expect(kept.values["invite.code"] == (await world.group(g1)?.inviteCode))
    }
}

/// Runs one rule `all`, due on its hourly schedule at `t0`, with steps `then` (indented list
/// items), on `world`'s session `s`: one evaluation and one execution.
func runScheduledRule(_ then: String, on world: SandboxWorld, webhooks: any WebhookSender) async throws -> (MemoryStateStore, ExecutionReport) {
    let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: """
        version: 1
        rules:
          - id: all
            groups: "*"
            trigger: { schedule: { every: 1h } }
            then:
        \(then)
        """)])
    let store = MemoryStateStore()
    let client = SandboxClient(world: world)
    let snapshot = try await SnapshotFetcher(client: client, logger: quiet).snapshot(session: "s", rules: rules, now: t0)
    var state = EngineState()
    state.values[StateKey(.scheduleRun, rule: "all", group: g1.rawValue)] = String(t0.addingTimeInterval(-3600).timeIntervalSince1970)
    let plan = Evaluator(rules: rules).evaluate(snapshot, state: state, now: t0)
    let report = await Executor(client: client, store: store, webhooks: webhooks, logger: quiet).execute(plan, session: "s", now: { t0 })
    return (store, report)
}

/// A decision answer that reports per requester: only what it confirms is recorded.
struct DecisionStatusTests {
    /// The sandbox's API, with the decision's answer rewritten to what a careless API sends.
    struct ItemizedAnswer: WadialTransport {
        let inner: SandboxClient
        let answer: JSONValue
        func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
            let real = try await inner.send(request, session: session)
            return request.operation == .decideRequests ? answer : real
        }
    }

    @Test func onlyConfirmedRequestersAreRecordedTheOthersStayOpenOrPending() async throws {
        let requesters = (1...5).map { UserJID("1555123000\($0)@s.whatsapp.net")! }
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support", requests: requesters.map { .init(jid: $0, requestedAt: t0) })], clock: { t0 })
        let answer: JSONValue = .array([
            .object(["jid": .string(requesters[0].rawValue), "status": .number(200)]),
            .object(["jid": .string(requesters[1].rawValue), "status": .string("500")]),
            .object(["jid": .string(requesters[2].rawValue), "status": .number(1e300)]),
            .object(["jid": .string(requesters[3].rawValue), "status": .number(404)]),
        ])
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: """
            version: 1
            rules:
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
            """)])
        let store = MemoryStateStore()
        let client = ItemizedAnswer(inner: SandboxClient(world: world), answer: answer)
        let snapshot = try await SnapshotFetcher(client: client, logger: quiet).snapshot(session: "s", rules: rules, now: t0)
        let plan = Evaluator(rules: rules).evaluate(snapshot, state: EngineState(), now: t0)
        _ = await Executor(client: client, store: store, logger: quiet).execute(plan, session: "s", now: { t0 })
        let recorded = Set(try await store.actedRequests(group: g1, requesters: requesters).map(\.requester))
        #expect(recorded == [requesters[0], requesters[3]])   // done, and no longer pending
        let outcomes = try await store.audit(since: nil, rule: nil, group: nil).map { "\($0.targets[0].prefix(11)) \($0.outcome)" }
        #expect(outcomes == ["15551230001 done", "15551230002 failed", "15551230003 unknown", "15551230004 gone", "15551230005 unknown"])
        // Not confirmed either way: the intent stays open for reconciliation.
        #expect(try await store.openIntents().count == 1)
    }
}
