import Foundation
import Logging
import SandboxTesting
import TestSupport
import Testing
@testable import WadialAPI
import WadialModels

/// Random and mutated answers for every operation of the client: each call returns or throws a
/// `WadialError`, and nothing traps. Seeded and bounded; the seed is printed
/// (`WADIAL_FUZZ_SEED` replays, `WADIAL_FUZZ_SCALE` runs longer).
struct ClientFuzzTests {
    static let group = GroupJID("120363000000000001@g.us")!
    static let user = UserJID("15551234567@s.whatsapp.net")!

    /// Every operation of `WadialClient`, once.
    static func callEverything(_ client: any WadialClient) async -> [any Error] {
        var errors: [any Error] = []
        func attempt(_ body: () async throws -> Void) async {
            do { try await body() } catch { errors.append(error) }
        }
        await attempt { _ = try await client.sessionStatus(session: "s") }
        await attempt { try await client.reconnect(session: "s") }
        await attempt { _ = try await client.listGroups(session: "s") }
        await attempt { _ = try await client.group(session: "s", group) }
        await attempt { _ = try await client.createGroup(session: "s", subject: "x", participants: [user], description: nil) }
        await attempt { try await client.updateProfile(session: "s", group, subject: "x", description: nil) }
        await attempt { _ = try await client.updateParticipants(session: "s", group, .add, [user]) }
        await attempt { try await client.updateSetting(session: "s", group, SettingChange(.announcement, true)) }
        await attempt { _ = try await client.previewInvite(session: "s", code: "abc") }
        await attempt { _ = try await client.joinByInvite(session: "s", code: "abc") }
        await attempt { _ = try await client.inviteCode(session: "s", group) }
        await attempt { _ = try await client.revokeInvite(session: "s", group) }
        await attempt { _ = try await client.membershipRequests(session: "s", group) }
        await attempt { _ = try await client.decideRequests(session: "s", group, .approve, [user]) }
        await attempt { try await client.leave(session: "s", [group]) }
        return errors
    }

    @Test func hostileAnswersOverHTTPNeverTrap() async throws {
        let budget = FuzzBudget("ClientFuzzTests", cases: 40)
        let answers = AnswerSource(seed: budget.seed)
        let server = ScriptedServer { _ in await answers.next() }
        try await server.serve { base in
            let client = HTTPWadialClient(configuration: WadialConfiguration(
                baseURL: base, apiKey: APIKey("k"), requestTimeout: .seconds(2), retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)),
                requestsPerMinute: 1_000_000, mutationsPerMinute: 1_000_000, breakerThreshold: 1_000_000), logger: quietLogger)
            for _ in 0..<budget.cases {
                for error in await Self.callEverything(client) {
                    #expect(error is WadialError, "\(type(of: error)): \(error) (\(budget.replay))")
                }
            }
            try await client.shutdown()
        }
    }

    /// The decoders on their own, many more cases: each answer decodes or is a decoding error.
    @Test func hostilePayloadsThroughEveryDecoder() {
        let budget = FuzzBudget("ClientFuzzTests.decoders", cases: 3_000)
        var generator = budget.generator
        for _ in 0..<budget.cases {
            let body = HostileJSON.body(using: &generator)
            guard case .success(let json) = JSONValue.parseChecked(body) else { continue }
            var skipped: [SkippedEntry] = []
            _ = try? Group(json: json, skipped: &skipped)
            _ = try? MembershipRequest(json: json)
            _ = SessionStatus(json: json)
            _ = try? InviteCode(json: json)
            _ = SettingChange(body: json)
            _ = GroupSettings(json: json)
            for item in json.array ?? [] {
                _ = try? Group(json: item, skipped: &skipped)
                _ = try? MembershipRequest(json: item).requestedAt
            }
            _ = json.encoded()
        }
    }
}

/// Seeded answers, one per call: mostly 200 with hostile JSON, sometimes an error status, a
/// redirect or an empty body.
actor AnswerSource {
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    func next() -> ScriptedServer.Answer {
        let statuses = [200, 200, 200, 200, 200, 201, 204, 302, 400, 404, 409, 429, 500, 503]
        let status = statuses.randomElement(using: &generator) ?? 200
        var headers = ["Content-Type": "application/json"]
        if Int.random(in: 0..<4, using: &generator) == 0 { headers["Retry-After"] = ["0", "inf", "-1", "nan", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT"].randomElement(using: &generator) }
        return .init(status: status, headers: headers, body: HostileJSON.body(using: &generator))
    }
}
