import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `run --metrics`: Prometheus text at /metrics, and /healthz turning 503 when the API stops answering.
struct MetricsHealthTests {
    static func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func metricsAndHealth() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            sessions: [{ id: s }]
            groups:
              - { jid: 120363000000000001@g.us, subject: Support, size: 5, requests: [{ jid: 15551234567@s.whatsapp.net }] }
            """.write(to: folder.appendingPathComponent("world.yaml"), atomically: true, encoding: .utf8)
        try """
            version: 1
            settings: { poll_interval: 5s }
            sessions: [s]
            rules:
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
            """.write(to: folder.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)

        let (sandbox, api) = try CommandLineTests.startSandbox(world: folder.appendingPathComponent("world.yaml"), key: "k")
        defer { if sandbox.isRunning { sandbox.terminate() } }

        let engine = Process()
        engine.executableURL = try CommandLineTests.executable()
        engine.arguments = ["run", "--rules", folder.appendingPathComponent("rules.yaml").path, "--state", folder.appendingPathComponent("s.sqlite").path,
                            "--metrics", "127.0.0.1:0", "--log-format", "json"]
        engine.environment = ["WADIAL_BASE_URL": api, "WADIAL_API_KEY": "k", "PATH": "/usr/bin:/bin"]
        let logs = Pipe()
        // JSON logs go to standard output, as text logs do.
        engine.standardOutput = logs
        engine.standardError = FileHandle.nullDevice
        try engine.run()
        defer { if engine.isRunning { engine.terminate() } }

        // The JSON log names the metrics URL (an engine that never says is killed, ending the read).
        let watchdog = Watchdog(engine, limit: 60)
        var text = ""
        var metricsURL: String?
        while metricsURL == nil {
            let chunk = logs.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            for line in text.split(separator: "\n") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else { continue }
                if object["message"] == "metrics and health served" { metricsURL = object["url"] }
            }
        }
        watchdog.disarm()
        let base = try #require(metricsURL)

        // Wait for the first tick's approval to show in the metrics.
        var body = ""
        for _ in 0..<100 {
            body = try await Self.get(base + "/metrics").1
            if body.contains("wadial_actions_total{") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Prometheus text: every sample line is `name{labels} value`.
        let samples = body.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let pattern = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$"#)
        #expect(samples.allSatisfy { (try? pattern.wholeMatch(in: String($0))) != nil }, "\(body)")
        for series in ["wadial_ticks_total", "wadial_tick_duration_seconds", "wadial_rule_fires_total{rule=\"vet\"}",
                       "wadial_actions_total{action=\"approve_requests\",outcome=\"done\"}", "wadial_api_calls_total{operation=\"list_groups\",status=\"200\"}",
                       "wadial_pending_requests{group=\"120363000000000001@g.us\"}", "wadial_journal_open_intents"] {
            #expect(body.contains(series), "missing \(series)")
        }
        let (okStatus, okText) = try await Self.get(base + "/healthz")
        #expect(okStatus == 200)
        #expect(okText.hasPrefix("ok: "))

        // The API stops answering: within three poll intervals and a retry, health turns 503.
        sandbox.terminate()
        sandbox.waitUntilExit(within: 30, "the sandbox")
        var status = 200
        var reason = ""
        for _ in 0..<300 where status == 200 {
            try await Task.sleep(for: .milliseconds(100))
            (status, reason) = try await Self.get(base + "/healthz")
        }
        #expect(status == 503)
        #expect(reason.hasPrefix("unhealthy: last successful tick "))
        engine.interrupt()
        // A tick in progress finishes first, with its retries against the stopped API (not yet bounded).
        engine.waitUntilExit(within: 90, "the engine after SIGINT")
        #expect(engine.terminationStatus == 0)
    }
}
