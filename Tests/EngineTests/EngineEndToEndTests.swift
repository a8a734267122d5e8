import Foundation
import Logging
import Rules
import Sandbox
import ServiceLifecycle
import State
import TestSupport
import SandboxTesting
import Testing
import WadialAPI
import WadialModels
@testable import Engine

let quiet: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// The engine against the sandbox over real loopback HTTP, with the world's time and the
/// engine's time both driven by the test.
struct EngineEndToEndTests {
    static let rulesText = """
        version: 1
        settings: { poll_interval: 10s }
        rules:
          - id: approve-vetted
            groups: "*"
            trigger: { membership_requests: {} }
            if: { number_prefix: ["+1", "+44"] }
            then: [approve_requests]
        """

    /// Matching: +1, +44, and a @lid with a +1 phone. Not matching: +33, +7, @lid without phone,
    /// @lid echoing its own digits.
    static let arrivals: [(TimeInterval, String, String?, Bool)] = [
        (0, "15551230001@s.whatsapp.net", nil, true),
        (0, "33612340002@s.whatsapp.net", nil, false),
        (5, "100000000000003@lid", "+1 202 555 0103", true),
        (12, "200000000000004@lid", nil, false),
        (18, "447700900005@s.whatsapp.net", nil, true),
        (25, "300000000000006@lid", "300000000000006", false),
        (31, "79161230007@s.whatsapp.net", nil, false),
        (44, "15551230008@s.whatsapp.net", nil, true),
    ]

    static let expected = Set(arrivals.filter(\.3).map(\.1))

    static func world(clock: ManualWallClock, start: Date) -> SandboxWorld {
        let group = SandboxWorld.GroupState(jid: g1, subject: "Support", unlistedMembers: 100)
        let arrivals = Self.arrivals.map { offset, jid, phone, _ in
            SandboxWorld.Arrival(after: .seconds(offset), change: .request(g1, .init(jid: UserJID(jid)!, phoneField: phone, requestedAt: start.addingTimeInterval(offset))))
        }
        return SandboxWorld(sessions: [.init(id: "s")], groups: [group], arrivals: arrivals, clock: { clock.now })
    }

    static func withServer<T: Sendable>(_ world: SandboxWorld, faults: FaultInjector = FaultInjector(), _ body: @Sendable (HTTPWadialClient) async throws -> T) async throws -> T {
        try await withSandboxServer(
            world: world, faults: faults, retry: RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(2), maxDelay: .milliseconds(20)),
            requestTimeout: .seconds(2), breakerThreshold: 1000
        ) { client, _ in try await body(client) }
    }

    /// For each requester, the approve calls that reached the API while it was pending.
    static func approvals(_ calls: [SandboxWorld.Call]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for call in calls where call.operation == .decideRequests && call.body?["action"]?.string == "approve" {
            let applied = call.status == 200 || call.fault == Fault.dropAfterApply.description || call.fault == Fault.malformed.description
            guard applied else { continue }
            for jid in call.body?["participants"]?.array?.compactMap(\.string) ?? [] { counts[jid, default: 0] += 1 }
        }
        return counts
    }

    /// Ticks every 10 s for a minute of world time.
    static func runMinute(rules: RuleSet, options: Engine<ContinuousClock>.Options, client: any WadialClient, store: any StateStore, clock: ManualWallClock, start: Date) async {
        let engine = Engine(rules: rules, options: options, client: client, store: store, webhooks: HTTPWebhookSender(), clock: ContinuousClock(), now: { clock.now }, logger: quiet)
        await engine.reconcile()
        for second in stride(from: 0.0, through: 60, by: 10) {
            clock.set(start.addingTimeInterval(second))
            _ = await engine.tick(session: "s", at: clock.now)
        }
    }

    @Test func exactlyTheMatchingRequestersAreApprovedOnce() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let clock = ManualWallClock(start)
        let world = Self.world(clock: clock, start: start)
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rulesText)])
        try await Self.withServer(world) { client in
            await Self.runMinute(rules: rules, options: .init(sessions: ["s"]), client: client, store: MemoryStateStore(), clock: clock, start: start)
        }
        let calls = await world.calls
        let approvals = Self.approvals(calls)
        #expect(Set(approvals.keys) == Self.expected)
        #expect(approvals.values.allSatisfy { $0 == 1 })
        // One list per tick, one request listing per tick for the one targeted group.
        #expect(calls.filter { $0.operation == .listGroups }.count == 7)
        #expect(calls.filter { $0.operation == .membershipRequests }.count == 7)
        #expect(calls.filter { $0.operation == .group }.isEmpty)
        let members = await world.group(g1)?.members.map(\.jid.rawValue) ?? []
        #expect(Set(members) == Self.expected)
    }

    @Test func faultsChangeTimingNotTheOutcome() async throws {
        for seed in [UInt64(1), 2, 3] {
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            let clock = ManualWallClock(start)
            let world = Self.world(clock: clock, start: start)
            let faults = FaultInjector(rates: .init(errorRate: 0.15, throttleRate: 0.1, retryAfterSeconds: 0, dropRate: 0.1, malformedRate: 0.05,
                                                    latency: .milliseconds(2)), seed: seed)
            let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rulesText)])
            let store = MemoryStateStore()
            try await Self.withServer(world, faults: faults) { client in
                await Self.runMinute(rules: rules, options: .init(sessions: ["s"]), client: client, store: store, clock: clock, start: start)
                // A further minute without faults lets anything that failed go through.
                await faults.setRates(.none)
                clock.set(start.addingTimeInterval(70))
                await Self.runMinute(rules: rules, options: .init(sessions: ["s"]), client: client, store: store, clock: clock, start: start.addingTimeInterval(70))
            }
            let calls = await world.calls
            #expect(calls.contains { $0.fault != nil }, "seed \(seed): no fault was injected")
            let approvals = Self.approvals(calls)
            #expect(Set(approvals.keys) == Self.expected, "seed \(seed)")
            #expect(approvals.values.allSatisfy { $0 == 1 }, "seed \(seed): \(approvals)")
        }
    }

    @Test func dryRunAndAuditModeSendNoWrite() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        for (text, dryRun) in [(Self.rulesText, true), (Self.rulesText.replacingOccurrences(of: "    groups: \"*\"", with: "    mode: audit\n    groups: \"*\""), false)] {
            let clock = ManualWallClock(start)
            let world = Self.world(clock: clock, start: start)
            let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: text + "\n  - { id: rotate, groups: \"*\", mode: \(dryRun ? "enforce" : "audit"), trigger: { schedule: { every: 5s } }, then: [rotate_invite, { set_locked: true }] }\n")])
            let store = MemoryStateStore()
            try await Self.withServer(world) { client in
                await Self.runMinute(rules: rules, options: .init(sessions: ["s"], dryRun: dryRun), client: client, store: store, clock: clock, start: start)
            }
            let writes = await world.calls.filter { $0.operation?.isWrite == true }
            #expect(writes.isEmpty)
            let trail = try await store.audit(since: nil, rule: nil, group: nil)
            #expect(trail.contains { $0.action == "approve_requests" && $0.outcome == .would })
            #expect(trail.contains { $0.action == "rotate_invite" && $0.outcome == .would })
        }
    }

    @Test func openIntentsAreReconciledBeforeAnythingIsSentAgain() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let clock = ManualWallClock(start)
        let world = Self.world(clock: clock, start: start)
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rulesText)])
        let store = MemoryStateStore()
        let applied = UserJID("15551230001@s.whatsapp.net")!
        // A crash between the call and its outcome: the approval went through, the journal is open.
        _ = try await store.openIntent(JournalIntent(session: "s", group: g1.rawValue, operation: .decide(.approve), rules: ["approve-vetted"],
                                                     targets: [applied.rawValue], detail: "approve", at: start))
        try await Self.withServer(world) { client in
            _ = try await client.decideRequests(session: "s", g1, .approve, [applied])
            await Self.runMinute(rules: rules, options: .init(sessions: ["s"]), client: client, store: store, clock: clock, start: start)
        }
        #expect(try await store.openIntents().isEmpty)
        let calls = await world.calls
        #expect(Self.approvals(calls)[applied.rawValue] == 1)
        // The engine's first call (after the test's own approval) is the reconciliation's read of
        // the group's requests: nothing was listed, evaluated or sent before it.
        #expect(calls.dropFirst().first?.operation == .membershipRequests, "\(calls.map(\.path))")
        let trail = try await store.audit(since: nil, rule: nil, group: nil)
        #expect(trail.first?.outcome == .reconciled)
        #expect(trail.first?.detail == "reconciled: 1 applied, 0 still pending (1 found among the members)")
    }
}
