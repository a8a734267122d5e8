import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// The engine as a process, killed with SIGKILL at random points and restarted, against a
/// sandbox process: every matching requester is approved exactly once, no other is approved.
struct CrashRestartTests {
    static let world = """
        sessions: [{ id: s }]
        groups:
          - jid: 120363000000000001@g.us
            subject: Support
            size: 50
            requests:
              - { jid: 15551230001@s.whatsapp.net }
              - { jid: 33612340002@s.whatsapp.net }
              - { jid: 100000000000003@lid, phone: "+12025550103" }
              - { jid: 200000000000004@lid }
        arrivals:
          - { after: 2s, group: 120363000000000001@g.us, request: { jid: 447700900005@s.whatsapp.net } }
          - { after: 3s, group: 120363000000000001@g.us, request: { jid: 79161230006@s.whatsapp.net } }
          - { after: 5s, group: 120363000000000001@g.us, request: { jid: 15551230007@s.whatsapp.net } }
          - { after: 7s, group: 120363000000000001@g.us, request: { jid: 300000000000008@lid, phone: "300000000000008" } }
          - { after: 9s, group: 120363000000000001@g.us, request: { jid: 447700900009@s.whatsapp.net } }
        """

    static let rules = """
        version: 1
        settings: { poll_interval: 5s }
        sessions: [s]
        rules:
          - id: approve-vetted
            groups: "*"
            trigger: { membership_requests: {} }
            if: { number_prefix: ["+1", "+44"] }
            then: [approve_requests, { log: "approved {{requests.count}}" }]
        """

    static let expected: Set<String> = [
        "15551230001@s.whatsapp.net", "100000000000003@lid", "447700900005@s.whatsapp.net",
        "15551230007@s.whatsapp.net", "447700900009@s.whatsapp.net",
    ]

    @Test func killedAtRandomPointsAndRestartedApprovesEachMatchOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("rules"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.world.write(to: folder.appendingPathComponent("world.yaml"), atomically: true, encoding: .utf8)
        try Self.rules.write(to: folder.appendingPathComponent("rules/r.yaml"), atomically: true, encoding: .utf8)
        let state = folder.appendingPathComponent("state.sqlite").path

        let (sandbox, url) = try CommandLineTests.startSandbox(world: folder.appendingPathComponent("world.yaml"), key: "k")
        defer { if sandbox.isRunning { sandbox.terminate() } }
        let environment = ["WADIAL_BASE_URL": url, "WADIAL_API_KEY": "k", "PATH": "/usr/bin:/bin"]

        // Seeded, so that a failing run can be replayed: WADIAL_TEST_SEED=<seed> swift test --filter CrashRestartTests.
        let seed = ProcessInfo.processInfo.environment["WADIAL_TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("CrashRestartTests seed \(seed) (replay with WADIAL_TEST_SEED=\(seed))")
        var generator = SeededGenerator(seed: seed)
        let began = Date()
        var kills = 0
        // Kill and restart until every arrival has appeared, and at least 12 times.
        while Date().timeIntervalSince(began) < 11 || kills < 12 {
            let engine = Process()
            engine.executableURL = try CommandLineTests.executable()
            engine.arguments = ["run", "--rules", folder.appendingPathComponent("rules").path, "--state", state, "--log-level", "error"]
            engine.environment = environment
            engine.standardOutput = FileHandle.nullDevice
            engine.standardError = FileHandle.nullDevice
            try engine.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...1500, using: &generator)))
            kill(engine.processIdentifier, SIGKILL)
            engine.waitUntilExit(within: 30, "a killed engine")
            kills += 1
        }
        // A last run that is left to finish its tick.
        let final = try CommandLineTests.run(["run", "--once", "--rules", folder.appendingPathComponent("rules").path, "--state", state], environment: environment)
        #expect(final.status == 0, "\(final.output)")

        var request = URLRequest(url: try #require(URL(string: url + "/sandbox/calls")))
        request.setValue("Bearer k", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let calls = try #require(json["data"] as? [[String: Any]])
        var approvals: [String: Int] = [:]
        for call in calls where call["operation"] as? String == "decide_requests" {
            guard let body = call["body"] as? [String: Any], body["action"] as? String == "approve", call["status"] as? Int == 200,
                  let participants = body["participants"] as? [String] else { continue }
            for jid in participants { approvals[jid, default: 0] += 1 }
        }
        #expect(Set(approvals.keys) == Self.expected)
        #expect(approvals.values.allSatisfy { $0 == 1 }, "\(approvals) (seed \(seed))")
        #expect(kills >= 12)

        // The audit trail of the same state file names every approval.
        let audit = try CommandLineTests.run(["audit", "--state", state, "--format", "json", "--since", "1h"])
        #expect(audit.status == 0)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(audit.output.utf8)) as? [[String: Any]])
        let approved = entries.filter { $0["action"] as? String == "approve_requests" && $0["outcome"] as? String == "done" }
            .flatMap { $0["targets"] as? [String] ?? [] }
        #expect(Set(approved).isSubset(of: Self.expected))
        #expect(!approved.isEmpty)
    }
}
