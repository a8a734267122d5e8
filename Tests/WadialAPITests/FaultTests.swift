import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Sandbox
import SandboxTesting
import Testing
import TestSupport
import WadialAPI
import WadialModels

/// Faults injected by the sandbox server, seen through the HTTP client over real sockets.
struct FaultTests {
    @Test func aReadRetriedAfter503Succeeds() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.status(503, retryAfter: nil), .status(500, retryAfter: nil)], for: .listGroups)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            #expect(try await client.listGroups(session: session).count == 2)
        }
        #expect(await world.calls.map(\.status) == [503, 500, 200])
    }

    @Test func aReadGivesUpAfterMaxAttemptsWithTheLastError() async throws {
        let faults = FaultInjector()
        await faults.script(Array(repeating: .status(502, retryAfter: nil), count: 3), for: .listGroups)
        try await withSandboxServer(world: demoWorld(), faults: faults) { client, _ async throws in
            await #expect(throws: WadialError.status(502, code: "UNAVAILABLE", message: "injected fault")) {
                try await client.listGroups(session: session)
            }
        }
    }

    @Test func a429WithRetryAfterOneWaitsAboutASecond() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.status(429, retryAfter: 1)], for: .membershipRequests)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            let started = ContinuousClock.now
            #expect(try await client.membershipRequests(session: session, support).count == 5)
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(950), "waited \(elapsed)")
            #expect(elapsed < .seconds(3), "waited \(elapsed)")
        }
        #expect(await world.calls.map(\.status) == [429, 200])
    }

    @Test func aWriteIsNotSentTwiceAfterADroppedConnection() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.dropAfterApply], for: .decideRequests)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            await #expect { try await client.decideRequests(session: session, support, .approve, [us]) } throws: { error in
                (error as? WadialError)?.kind == .outcomeUnknown
            }
        }
        let decisions = await world.calls.filter { $0.operation == .decideRequests }
        #expect(decisions.count == 1)
        // It did reach the API: the requester is a member, once.
        #expect(await world.group(support)?.members.filter { $0.jid == us }.count == 1)
    }

    @Test func aWriteDroppedBeforeActingIsReportedNotRetried() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.drop], for: .updateSetting)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            await #expect { try await client.updateSetting(session: session, support, SettingChange(.announcement, true)) } throws: { error in
                (error as? WadialError)?.kind == .outcomeUnknown
            }
        }
        #expect(await world.calls.filter { $0.operation == .updateSetting }.count == 1)
        #expect(await world.group(support)?.settings[.announcement] == false)
    }

    @Test func aReadRetriedAfterADroppedConnectionSucceeds() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.drop], for: .listGroups)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            #expect(try await client.listGroups(session: session).count == 2)
        }
        #expect(await world.calls.filter { $0.operation == .listGroups }.count == 2)
        // The running count agrees with the log: the dropped call counts too.
        #expect(await world.count(of: .listGroups) == 2)
        #expect(await world.count(of: .group) == 0)
    }

    @Test func aWriteRefusedWith503AndRetryAfterIsRetried() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.status(503, retryAfter: 0)], for: .revokeInvite)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            _ = try await client.revokeInvite(session: session, support)
        }
        #expect(await world.calls.map(\.status) == [503, 200])
    }

    @Test func aWriteFailingWith500IsNotRetried() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.status(500, retryAfter: nil)], for: .revokeInvite)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            await #expect(throws: WadialError.status(500, code: "UNAVAILABLE", message: "injected fault")) {
                try await client.revokeInvite(session: session, support)
            }
        }
        #expect(await world.calls.count == 1)
    }

    @Test func aGarbledReadIsRetried() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.malformed], for: .listGroups)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            #expect(try await client.listGroups(session: session).count == 2)
        }
        #expect(await world.calls.count == 2)
    }

    @Test func aReadGarbledTwiceInARowFailsAsDecodingAfterTwoAttempts() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.malformed, .malformed], for: .listGroups)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            await #expect { try await client.listGroups(session: session) } throws: { error in
                (error as? WadialError)?.kind == .decoding && "\(error)".contains("the body is not JSON")
            }
        }
        #expect(await world.calls.count == 2)
    }

    /// The write was applied (the API answered 200) but what it returned cannot be read: the
    /// outcome is unknown to the caller, and the write is not sent again.
    @Test func aGarbledAnswerToAWriteIsAnUnknownOutcomeAndNotResent() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.malformed], for: .updateSetting)
        try await withSandboxServer(world: world, faults: faults) { client, _ async throws in
            await #expect { try await client.updateSetting(session: session, support, SettingChange(.locked, true)) } throws: { error in
                (error as? WadialError)?.kind == .outcomeUnknown
            }
        }
        #expect(await world.calls.count == 1)
        #expect(await world.group(support)?.settings[.locked] == true)
    }

    @Test func latencyBeyondTheDeadlineIsATimeoutAndReadsRetry() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.latency(.milliseconds(1500))], for: .listGroups)
        try await withSandboxServer(world: world, faults: faults, requestTimeout: .milliseconds(300)) { client, _ async throws in
            let began = ContinuousClock.now
            #expect(try await client.listGroups(session: session).count == 2)
            // The slow answer was not waited for: the first attempt gave up at its deadline and
            // the retry answered (1.5 s is the delayed answer; 300 ms the deadline).
            #expect(ContinuousClock.now - began < .milliseconds(1400))
        }
    }

    @Test func repeatedWriteFailuresOpenTheCircuit() async throws {
        let world = demoWorld()
        let faults = FaultInjector()
        await faults.script([.status(500, retryAfter: nil), .status(500, retryAfter: nil)], for: .updateSetting)
        try await withSandboxServer(world: world, faults: faults, breakerThreshold: 2) { client, _ async throws in
            for _ in 0..<2 {
                await #expect(throws: WadialError.self) { try await client.updateSetting(session: session, support, SettingChange(.locked, true)) }
            }
            await #expect { try await client.updateSetting(session: session, support, SettingChange(.locked, true)) } throws: { error in
                (error as? WadialError)?.kind == .circuitOpen
            }
            // Reads are not paused.
            #expect(try await client.listGroups(session: session).count == 2)
        }
        #expect(await world.calls.filter { $0.operation == .updateSetting }.count == 2)
    }

    @Test func aRefusedConnectionIsAConnectErrorAndWritesMayRetryIt() async throws {
        // A port bound and not listening, held for the test: refused, and no other server of the
        // test run can take it meanwhile.
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let port = reserved.port
        let client = HTTPWadialClient(
            configuration: WadialConfiguration(baseURL: "http://127.0.0.1:\(port)", apiKey: APIKey(testKey),
                                               retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5))),
            logger: quietLogger)
        await #expect { try await client.revokeInvite(session: session, support) } throws: { error in
            (error as? WadialError)?.kind == .connect
        }
        try await client.shutdown()
    }

    @Test func randomFaultsChangeTimingNotOutcome() async throws {
        let world = demoWorld()
        // Garbled answers are retried once only (aReadGarbledTwiceInARowFailsAsDecodingAfterTwoAttempts).
        let faults = FaultInjector(rates: .init(errorRate: 0.2, throttleRate: 0.1, retryAfterSeconds: 0, malformedRate: 0), seed: 99)
        try await withSandboxServer(world: world, faults: faults, retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))) { client, _ async throws in
            for _ in 0..<40 {
                #expect(try await client.listGroups(session: session).count == 2)
            }
        }
    }

    @Test func statusCodesOfTheServer() async throws {
        try await withSandboxServer(world: demoWorld()) { _, port async throws in
            let base = "http://127.0.0.1:\(port)/api/v1/sessions/\(session)"
            func status(_ method: HTTPMethod, _ path: String, key: String? = testKey, body: String? = nil) async throws -> (Int, String) {
                var request = HTTPClientRequest(url: base + path)
                request.method = method
                if let key { request.headers.add(name: "Authorization", value: "Bearer " + key) }
                if let body { request.body = .bytes(ByteBuffer(string: body)) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                let bytes = try await response.body.collect(upTo: 1 << 20)
                return (Int(response.status.code), String(buffer: bytes))
            }
            #expect(try await status(.GET, "/groups", key: "wrong").0 == 401)
            #expect(try await status(.GET, "/groups", key: nil).0 == 401)
            #expect(try await status(.GET, "/groups/not-a-jid").0 == 400)
            #expect(try await status(.POST, "/groups/120363000000000001%40g.us/membership-requests", body: "{nope").0 == 400)
            #expect(try await status(.POST, "/groups/120363000000000001%40g.us/membership-requests", body: #"{"action":"approve","participants":["x"]}"#).0 == 400)
            #expect(try await status(.GET, "/nowhere").0 == 404)
            let (code, text) = try await status(.GET, "/groups/120363000000000077%40g.us")
            #expect(code == 404)
            #expect(text == #"{"error":{"code":"NOT_FOUND","message":"group 120363000000000077@g.us not found"}}"#)
            let (okCode, okText) = try await status(.GET, "/groups/120363000000000002%40g.us/invite-code")
            #expect(okCode == 200)
            #expect(okText.hasPrefix(#"{"data":{"code":""#))
        }
    }

    @Test func theAlternateFieldSpellingsDecodeOverHTTP() async throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        try await withSandboxServer(world: demoWorld(now: now), style: .alternate) { client, _ async throws in
            let groups = try await client.listGroups(session: session)
            #expect(groups.map(\.jid) == [support, regional])
            #expect(groups.map(\.size) == [120, 40])
            #expect(groups.first?.subject == "Support")
            #expect(groups.first?.settings[.announcement] == false)
            let requests = try await client.membershipRequests(session: session, support)
            #expect(requests.map(\.phoneNumber?.digits) == ["15551234567", "447700900123", "4915123456789", nil, nil])
            #expect(requests.first?.requestedAt == now.addingTimeInterval(-3600))
        }
    }

    @Test func theKeyAppearsInNoLogLine() async throws {
        let capture = LogCapture()
        let faults = FaultInjector()
        await faults.script([.status(503, retryAfter: nil), .drop, .status(500, retryAfter: nil), .dropAfterApply, .malformed])
        try await withSandboxServer(world: demoWorld(), faults: faults, clientLogger: capture.logger) { client, _ async throws in
            _ = try? await client.listGroups(session: session)
            _ = try? await client.updateSetting(session: session, support, SettingChange(.locked, true))
            _ = try? await client.decideRequests(session: session, support, .approve, [us])
            _ = try? await client.group(session: session, GroupJID("120363000000000077@g.us")!)
            #expect("\(client.configuration.apiKey)" == "<redacted>")
            #expect(String(reflecting: client.configuration.apiKey) == "<redacted>")
            #expect(!String(describing: client.configuration).contains(testKey))
        }
        let lines = capture.all
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { !$0.contains(testKey) && !$0.contains("Bearer") })
    }
}
