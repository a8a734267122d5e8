import Foundation
import Rules
import SandboxTesting
import State
import TestSupport
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// The engine end to end against a hostile API: group lists, request lists, metadata and
/// decision answers are fuzzed (odd JIDs, huge numbers, wrong types, damaged bytes, errors), and
/// from the server's own log nothing outside the rules' matches is ever approved: only
/// requesters the server listed as pending with a +1 number.
struct HostileEngineFuzzTests {
    static let rules = """
        version: 1
        sessions: [s]
        settings: { limits: { max_actions_per_run: 50 } }
        rules:
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests], priority: 1 }
          - { id: stale, groups: "*", trigger: { membership_requests: { pending_for: 1h } }, if: { number_prefix: ["+7"] }, then: [reject_requests] }
          - { id: note, groups: "*", trigger: { membership_requests: {} }, if: { number_unknown: true }, then: [{ log: "unknown in {{group.subject}}" }] }
        """

    /// A hostile API that remembers which requesters it listed as approvable (+1 numbers).
    actor HostileAPI {
        private var generator: SeededGenerator
        private(set) var approvable: Set<String> = []
        private(set) var listed: Set<String> = []

        init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

        static let groups = ["120363000000000001@g.us", "120363000000000002@g.us"]
        /// Requesters of every kind; the oracle (`record`) decides which the rules may approve.
        static let requesters: [(jid: String, phone: String?)] = [
            ("15551230001@s.whatsapp.net", nil), ("15551230002@s.whatsapp.net", nil),
            ("447700900003@s.whatsapp.net", nil), ("79161230004@s.whatsapp.net", nil),
            ("100000000000005@lid", "+1 555 123 0005"), ("100000000000006@lid", nil),
            ("100000000000007@lid", "100000000000007"), ("100000000000008@lid", "15551230008@g.us"),
            ("100000000000010@lid", "15551230010@s.whatsapp.net"), ("15551230009@bot", nil), ("1@s.whatsapp.net", nil),
        ]

        func answer(_ request: ScriptedServer.Received) -> ScriptedServer.Answer {
            let answer = compose(request)
            if request.method == "GET", request.path.hasSuffix("/membership-requests"), answer.status == 200 { record(answer.body) }
            return answer
        }

        /// What the rules may approve in an answer the server sent, worked out independently of
        /// the engine's decoders: a phone JID of a +1 number, or a `@lid` whose phone field is
        /// a +1 number (digits, or a phone JID) other than its own digits.
        private func record(_ body: Data) {
            guard let json = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return }
            let items = (json as? [Any]) ?? ((json as? [String: Any])?["data"] as? [Any]) ?? ((json as? [String: Any])?["requests"] as? [Any]) ?? []
            for item in items {
                let object = item as? [String: Any]
                guard let jid = (item as? String) ?? (object?["jid"] as? String) ?? (object?["id"] as? String) ?? (object?["requester"] as? String) else { continue }
                listed.insert(jid)
                if Self.isPlusOne(phoneJID: jid) { approvable.insert(jid); continue }
                guard jid.hasSuffix("@lid"), let field = (object?["phone_number"] ?? object?["phoneNumber"] ?? object?["pn"]) as? String else { continue }
                let lidDigits = String(jid.dropLast(4))
                let digits = field.contains("@") ? (Self.isPlusOne(phoneJID: field) ? String(field.prefix { $0 != "@" }) : "")
                    : String(field.filter { $0.isNumber })
                if digits.hasPrefix("1"), (6...15).contains(digits.count), digits != lidDigits { approvable.insert(jid) }
            }
        }

        static func isPlusOne(phoneJID text: String) -> Bool {
            guard let at = text.firstIndex(of: "@"), ["@s.whatsapp.net", "@c.us"].contains(String(text[at...])) else { return false }
            let digits = text[..<at]
            return digits.hasPrefix("1") && (6...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }

        private func compose(_ request: ScriptedServer.Received) -> ScriptedServer.Answer {
            // A share of every kind of answer is hostile through and through.
            if Int.random(in: 0..<8, using: &generator) == 0 {
                return .init(status: [200, 500, 429, 404].randomElement(using: &generator) ?? 200, body: HostileJSON.body(using: &generator))
            }
            let path = request.path
            if path.hasSuffix("/membership-requests"), request.method == "GET" {
                var items: [Any] = []
                for requester in Self.requesters where Bool.random(using: &generator) {
                    var item: [String: Any] = ["jid": requester.jid]
                    if let phone = requester.phone { item[["phone_number", "phoneNumber", "pn"].randomElement(using: &generator) ?? "pn"] = phone }
                    item["request_time"] = [1_790_000_000, 1e22, -1, 1_790_000_000_000, "inf", "1790000000"].randomElement(using: &generator)
                    items.append(item)
                }
                for _ in 0..<Int.random(in: 0...2, using: &generator) { items.append(HostileJSON.value(depth: 1, using: &generator)) }
                return .init(json: json(["data": items]))
            }
            if path.hasSuffix("/membership-requests") {
                // The decision: sometimes per-item statuses, sometimes garbage.
                return .init(json: Bool.random(using: &generator) ? #"{"data": [{"jid": 1e300, "status": "x"}, 7]}"# : #"{"data": null}"#)
            }
            if path.hasSuffix("/groups") {
                var items: [Any] = Self.groups.map { ["id": $0, "subject": "G\n\u{1b}[2J", "size": [10, 1e300, -5].randomElement(using: &generator) ?? 10] as [String: Any] }
                items.append(["id": "120363000000000009@newsletter"])
                items.append(HostileJSON.value(depth: 1, using: &generator))
                return .init(json: json(["data": items]))
            }
            return .init(json: #"{"data": {"connected": true}}"#)
        }

        private func json(_ value: Any) -> String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: value)) ?? Data("null".utf8), as: UTF8.self)
        }
    }

    @Test func nothingOutsideTheRulesMatchesIsEverApproved() async throws {
        let budget = FuzzBudget("HostileEngineFuzzTests", cases: 60)
        let api = HostileAPI(seed: budget.seed)
        let server = ScriptedServer { request in await api.answer(request) }
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: Self.rules)])
        try await server.serve { base in
            let client = HTTPWadialClient(configuration: WadialConfiguration(
                baseURL: base, apiKey: APIKey("k"), requestTimeout: .seconds(2), retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)),
                requestsPerMinute: 1_000_000, mutationsPerMinute: 1_000_000, breakerThreshold: 1_000_000), logger: quiet)
            let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: client, store: MemoryStateStore(), clock: ContinuousClock(), logger: quiet)
            for tick in 0..<budget.cases {
                _ = await engine.tick(session: "s", at: Date(timeIntervalSince1970: 1_790_000_000 + Double(tick) * 600))
            }
            try await client.shutdown()
        }
        let approvable = await api.approvable
        var approved: [String: Int] = [:]
        for call in await server.received where call.method == "POST" && call.path.hasSuffix("/membership-requests") {
            let body = try #require(try JSONSerialization.jsonObject(with: call.body) as? [String: Any])
            guard body["action"] as? String == "approve" else { continue }
            for jid in body["participants"] as? [String] ?? [] { approved[jid, default: 0] += 1 }
        }
        #expect(Set(approved.keys).isSubset(of: approvable), "approved outside the rules: \(Set(approved.keys).subtracting(approvable)) (\(budget.replay))")
        #expect(!approved.isEmpty, "the hostile API left nothing to approve: the test proves nothing (\(budget.replay))")
    }
}
