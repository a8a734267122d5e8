import Foundation
import Logging
import SandboxTesting
import Testing
@testable import WadialAPI
import WadialModels

/// Answers an adversary would send: every one is read or refused with a reason, none traps, and
/// one bad entry of a list costs only that entry.
struct HostileAnswerTests {
    static let key = "sk-hostile-5c1d9e"

    func client(_ base: String, timeout: Duration = .seconds(5), retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                logger: Logger = quietLogger) -> HTTPWadialClient {
        HTTPWadialClient(configuration: WadialConfiguration(baseURL: base, apiKey: APIKey(Self.key), requestTimeout: timeout, retry: retry,
                                                            requestsPerMinute: 100_000, mutationsPerMinute: 100_000, breakerThreshold: 1000),
                         logger: logger)
    }

    /// One scripted answer for every call; the client against it.
    func with<T: Sendable>(_ answer: ScriptedServer.Answer, timeout: Duration = .seconds(5), logger: Logger = quietLogger,
                           _ body: @Sendable (HTTPWadialClient, ScriptedServer) async throws -> T) async throws -> T {
        let server = ScriptedServer { _ in answer }
        return try await server.serve { base in
            let client = client(base, timeout: timeout, logger: logger)
            do {
                let value = try await body(client, server)
                try await client.shutdown()
                return value
            } catch {
                try await client.shutdown()
                throw error
            }
        }
    }

    @Test(arguments: [#"{"id": "1@g.us", "subject": 1e300}"#, #"{"id": 1e300}"#, #"{"id": "1@g.us", "size": 1e300}"#, #"{"id": "1@g.us", "size": -1e300}"#])
    func hugeNumbersInAGroupAreReadAsUnknownNotATrap(_ text: String) throws {
        let json = try #require(JSONValue.parse(Data(text.utf8)))
        #expect(json["subject"]?.string == nil)
        #expect(json["size"]?.int == nil)
        _ = try? Group(json: json)
    }

    @Test(arguments: [#"1e22"#, #""inf""#, #""1e22""#, #"-5"#, #""nan""#, #"1e308"#])
    func anImplausibleRequestTimeIsUnknown(_ time: String) throws {
        let request = try MembershipRequest(json: try #require(JSONValue.parse(Data(#"{"jid": "15551234567@s.whatsapp.net", "request_time": \#(time)}"#.utf8))))
        #expect(request.requestedAt == nil)
    }

    @Test func aPhoneFieldThatIsAGroupOrLidIsNoNumber() {
        let lid = UserJID("123456789012345@lid")!
        #expect(MembershipRequest.phoneNumber(of: lid, field: "15551234567@g.us") == nil)
        #expect(MembershipRequest.phoneNumber(of: lid, field: "15551234567@lid") == nil)
        #expect(MembershipRequest.phoneNumber(of: lid, field: "15551234567@s.whatsapp.net") == PhoneNumber("15551234567"))
        #expect(MembershipRequest.phoneNumber(of: lid, field: "+1 555 123 4567") == PhoneNumber("15551234567"))
    }

    @Test func oneBadRequestIsSkippedAndNamedTheOthersAreRead() async throws {
        let capture = LogCapture()
        let body = #"{"data": [{"jid": "15551230001@s.whatsapp.net"}, {"jid": "15551230009@bot"}, {"jid": 1e300}, {"jid": "447700900005@s.whatsapp.net"}]}"#
        try await with(.init(json: body), logger: capture.logger) { client, _ in
            let requests = try await client.membershipRequests(session: "s", GroupJID("120363000000000001@g.us")!)
            #expect(requests.map(\.jid.rawValue) == ["15551230001@s.whatsapp.net", "447700900005@s.whatsapp.net"])
        }
        let warnings = capture.all.filter { $0.hasPrefix("warning skipped an entry of an API list") }
        #expect(warnings.count == 2, "\(capture.all)")
        #expect(warnings.allSatisfy { $0.contains("120363000000000001@g.us") && $0.contains("join requests") })
        #expect(warnings.contains { $0.contains("15551230009@bot") && $0.contains("is not a user JID") })
    }

    @Test func oneOddGroupIsSkippedAndTheTickHasTheOthers() async throws {
        let capture = LogCapture()
        let body = #"{"data": [{"id": "120363000000000001@g.us"}, {"id": "120363000000000002@newsletter"}, {"subject": "no id"}, {"id": "120363000000000003@g.us", "subject": "Evil\n\u001b[31m"}]}"#
        try await with(.init(json: body), logger: capture.logger) { client, _ in
            let groups = try await client.listGroups(session: "s")
            #expect(groups.map(\.jid.rawValue) == ["120363000000000001@g.us", "120363000000000003@g.us"])
            #expect(groups.last?.subject == "Evil\n\u{1b}[31m")
        }
        let warnings = capture.all.filter { $0.contains("skipped an entry of an API list") }
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.contains("@newsletter") && $0.contains("is not a group JID") })
    }

    /// A 200 answer that cannot be read says what it is, and a read is tried twice, not four times.
    @Test(arguments: [
        (Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), "the body is not UTF-8"),
        (Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8), "nests deeper than 256 levels"),
        (Data("<html>busy</html>".utf8), "the body is not JSON"),
    ])
    func anUnreadableAnswerIsADecodingErrorReadTwice(_ body: Data, _ reason: String) async throws {
        try await with(.init(body: body)) { client, server in
            await #expect { try await client.listGroups(session: "s") } throws: { error in
                (error as? WadialError)?.kind == .decoding && "\(error)".contains(reason)
            }
            #expect(await server.received.count == 2)
        }
    }

    @Test func anAnswerOverTheCapIsADecodingErrorNotAConnectionFailure() async throws {
        let huge = Data("{\"data\": \"".utf8) + Data(repeating: UInt8(ascii: "a"), count: HTTPWadialClient.maximumBodySize) + Data("\"}".utf8)
        try await with(.init(body: huge)) { client, server in
            await #expect { try await client.listGroups(session: "s") } throws: { error in
                (error as? WadialError)?.kind == .decoding && "\(error)".contains("larger than 16 MiB")
            }
            #expect(await server.received.count == 2)
        }
    }

    /// The deadline covers the body: a body that drips a byte every 200 ms is given up at the
    /// deadline, not after its 40 bytes (8 s).
    @Test func aDrippingBodyTimesOutAtTheDeadline() async throws {
        let body = Data(#"{"data": [{"id": "120363000000000001@g.us"}]}"#.utf8)
        let server = ScriptedServer { _ in .init(body: body, drip: .milliseconds(200)) }
        try await server.serve { base in
            let client = client(base, timeout: .milliseconds(600), retry: .none)
            let began = ContinuousClock.now
            await #expect { try await client.listGroups(session: "s") } throws: { error in
                (error as? WadialError)?.kind == .timeout && "\(error)".contains("no complete answer within 600 ms")
            }
            #expect(ContinuousClock.now - began < .seconds(3))
            try await client.shutdown()
        }
    }

    @Test func anErrorThatEchoesTheKeyIsRedactedWhereverItGoes() async throws {
        let capture = LogCapture()
        let answer = ScriptedServer.Answer(status: 401, json: #"{"error": {"code": "BAD_KEY \#(Self.key)", "message": "key \#(Self.key) is not valid"}}"#)
        try await with(answer, logger: capture.logger) { client, _ in
            await #expect { try await client.listGroups(session: "s") } throws: { error in
                let text = "\(error)"
                return !text.contains(Self.key) && text.contains("key <redacted> is not valid")
            }
        }
        #expect(!capture.all.joined().contains(Self.key))
    }

    @Test(arguments: ["inf", "nan", "-3", "1e400", String(repeating: "9", count: 500)])
    func anUnreadableRetryAfterIsIgnoredNotATrap(_ value: String) async throws {
        #expect(HTTPWadialClient.retryAfterSeconds(value) == nil || HTTPWadialClient.retryAfterSeconds(value)!.isFinite)
        let answer = ScriptedServer.Answer(status: 429, headers: ["Retry-After": value, "Content-Type": "application/json"], body: Data(#"{"message": "slow down"}"#.utf8))
        try await with(answer) { client, server in
            await #expect(throws: WadialError.self) { try await client.listGroups(session: "s") }
            #expect(await server.received.count == 3)
        }
    }

    /// The key written with JSON escapes in a success answer is still the key: scrubbed once decoded.
    @Test(arguments: [#"sk-hostile-5c1d9e"#, #"\u0073k-hostile-5c1d9e"#, #"sk-hostile\u002d5c1d9e"#])
    func aKeyWrittenWithJSONEscapesIsScrubbedToo(_ written: String) async throws {
        let body = #"{"data": [{"id": "120363000000000001@g.us", "subject": "A \#(written) B"}]}"#
        try await with(.init(json: body)) { client, _ in
            let groups = try await client.listGroups(session: "s")
            #expect(groups.first?.subject == "A <redacted> B")
        }
    }

    @Test func aDeviceJIDIsNotARequester() throws {
        #expect(throws: WadialError.self) { try MembershipRequest(json: .object(["jid": .string("15550000013:12@s.whatsapp.net")])) }
    }

    @Test(arguments: ["http://127.0.0.1:65536", "http://127.0.0.1:99999", "ftp://127.0.0.1", "http://127.0.0.1:8080/pre?x=1", "http://", "not a url"])
    func aBaseURLThatCannotBeUsedIsAConfigurationError(_ base: String) {
        #expect(throws: (any Error).self) { try WadialConfiguration.fromEnvironment(["WADIAL_BASE_URL": base, "WADIAL_API_KEY": "k"]) }
    }

    @Test func aSessionIdThatClimbsIsRefused() async throws {
        try await with(.init(json: #"{"data": []}"#)) { client, server in
            await #expect(throws: WadialError.self) { try await client.listGroups(session: "..") }
            #expect(await server.received.isEmpty)
        }
    }
}
