import Foundation
import Rules
import Sandbox
import SandboxTesting
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// A group's subject, which members of an unlocked group can change, reaches a webhook as data:
/// JSON string content in a JSON body, one percent-encoded value in a URL. A receiver on a real
/// socket checks what arrives; redirects are not followed.
struct WebhookEscapingTests {
    /// Runs one scheduled rule with `then` on a group called `subject`, delivering webhooks for real.
    func run(subject: String, _ then: String) async throws -> (MemoryStateStore, ExecutionReport) {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: subject)], clock: { t0 })
        return try await runScheduledRule(then, on: world, webhooks: HTTPWebhookSender())
    }

    static let subjects = [
        #"Evil", "admin": true, "x": ""#,
        #"back\slash and "quotes""#,
        "line\r\nbreak\u{1b}[31m",
        "a&admin=true&x=#frag and spaces/?",
        "Ünïcødé 🎉",
    ]

    @Test(arguments: subjects)
    func theSubjectArrivesIntactInsideItsJSONStringAndAsOneQueryValue(_ subject: String) async throws {
        let receiver = ScriptedServer { _ in .init(status: 204) }
        try await receiver.serve { base in
            let (_, report) = try await run(subject: subject, """
                      - webhook: { url: "\(base)/hook?g={{group.subject}}&n=1", body: '{"subject": "{{group.subject}}", "jid": "{{group.jid}}"}' }
                """)
            #expect(report.failures == 0)
            let received = try #require(await receiver.received.first)
            let body = try #require(try JSONSerialization.jsonObject(with: received.body) as? [String: String], "\(String(decoding: received.body, as: UTF8.self))")
            #expect(body == ["subject": subject, "jid": g1.rawValue])
            var components = URLComponents()
            components.percentEncodedQuery = received.query
            #expect(components.queryItems?.map(\.name) == ["g", "n"])
            #expect(components.queryItems?.first?.value == subject)
        }
    }

    @Test func aBodyThatIsNotJSONTakesTheValueAsItIs() async throws {
        let receiver = ScriptedServer { _ in .init(status: 200) }
        try await receiver.serve { base in
            _ = try await run(subject: #"say "hi""#, """
                      - webhook: { url: "\(base)/hook", body: "subject: {{group.subject}}", headers: { Content-Type: text/plain } }
                """)
            #expect(await receiver.received.first.map { String(decoding: $0.body, as: UTF8.self) } == #"subject: say "hi""#)
        }
    }

    /// A 302 is a failed delivery naming where it pointed; the target never sees the rule's headers.
    @Test func aRedirectIsNotFollowedAndFailsNamingItsLocation() async throws {
        let receiver = ScriptedServer { request in
            request.path == "/hook" ? .init(status: 302, headers: ["Location": "/elsewhere"]) : .init(status: 200)
        }
        try await receiver.serve { base in
            let (store, report) = try await run(subject: "Support", """
                      - webhook: { url: "\(base)/hook", headers: { X-Token: secret-token } }
                """)
            #expect(report.failures == 1)
            #expect(await receiver.received.map(\.path) == ["/hook"])
            let entry = try #require(try await store.audit(since: nil, rule: nil, group: nil).first)
            #expect(entry.outcome == .failed)
            #expect(entry.detail == "attempt 1, retried: webhook answered HTTP 302, a redirect to /elsewhere, which is not followed: write the final URL in the rule")
        }
    }

    @Test(arguments: [301, 404, 500])
    func onlyA2xxIsADelivery(_ status: Int) async throws {
        let receiver = ScriptedServer { _ in .init(status: status) }
        try await receiver.serve { base in
            let (_, report) = try await run(subject: "Support", "          - webhook: { url: \"\(base)/hook\" }")
            #expect(report.failures == 1)
        }
    }
}
