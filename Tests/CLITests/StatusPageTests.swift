import Foundation
import Testing
import TestSupport

/// The status page in a real browser: Debian's chromium, headless, renders `/` of an engine
/// running on the sandbox; a decision made during the test is on the rendered page, and a
/// hostile group subject shows as text, never as markup.
struct StatusPageTests {
    static let chromium = "/usr/bin/chromium"
    static let key = "sk-status-page-secret-4711"

    /// The page as chromium rendered it (its DOM after load).
    static func render(_ url: String, profile: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(profile.path)", "--dump-dom", url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = Watchdog(process, limit: 60)
        defer { watchdog.disarm() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aDecisionMadeDuringTheTestIsOnThePageAsChromiumRendersIt() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium),
                     "Debian's chromium is not installed: run `make test`, which installs it, or `apt-get install -y chromium`")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("rules"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            sessions: [{ id: s }]
            groups:
              - jid: 120363000000000001@g.us
                subject: "<script>document.title='owned'</script><b>Runners</b>"
                size: 10
                requests: [{ jid: 123456789012345@lid }]
            arrivals:
              - { after: 2s, group: 120363000000000001@g.us, request: { jid: 15551234567@s.whatsapp.net } }
            """.write(to: folder.appendingPathComponent("world.yaml"), atomically: true, encoding: .utf8)
        try """
            version: 1
            settings: { poll_interval: 5s, timezone: Europe/Berlin }
            sessions: [s]
            rules:
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
            """.write(to: folder.appendingPathComponent("rules/r.yaml"), atomically: true, encoding: .utf8)
        let (sandbox, url) = try CommandLineTests.startSandbox(world: folder.appendingPathComponent("world.yaml"), key: Self.key)
        defer { if sandbox.isRunning { sandbox.terminate() } }
        let port = try PostgresTestServer.freePort()
        let engine = try LeaseFailoverTests.EngineProcess(
            ["run", "--rules", folder.appendingPathComponent("rules").path, "--state", folder.appendingPathComponent("s.sqlite").path,
             "--metrics", "127.0.0.1:\(port)"],
            environment: ["WADIAL_BASE_URL": url, "WADIAL_API_KEY": Self.key, "PATH": "/usr/bin:/bin"], folder: folder, name: "engine")
        defer { if engine.process.isRunning { kill(engine.process.processIdentifier, SIGKILL) } }
        // The request arrives 2 s in; the engine's next tick (poll 5 s) approves it.
        var approved = false
        for _ in 0..<120 where !approved {
            try await Task.sleep(for: .milliseconds(100))
            approved = try await LeaseFailoverTests.approvals(url, key: Self.key)["15551234567@s.whatsapp.net"] == 1
        }
        #expect(approved, "\(engine.output)")
        let page = try Self.render("http://127.0.0.1:\(port)/", profile: folder.appendingPathComponent("chromium"))
        #expect(page.contains("wadial-rules status"), "\(page)")
        // The decision, in the decisions table, at a local time with the weekday.
        let decisions = try #require(page.range(of: "id=\"decisions\"").map { String(page[$0.upperBound...]) }, "\(page)")
        #expect(decisions.contains("15551234567@s.whatsapp.net") && decisions.contains("approve_requests"), "\(page)")
        #expect(decisions.range(of: #"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe/Berlin"#, options: .regularExpression) != nil, "\(page)")
        // The requester without a number is still pending, shown as such.
        #expect(page.contains("number unknown (123456789012345@lid)"), "\(page)")
        // The hostile subject is text: escaped, no script ran (the title is ours), no <b> element.
        #expect(page.contains("&lt;script&gt;document.title='owned'&lt;/script&gt;&lt;b&gt;Runners&lt;/b&gt;"), "\(page)")
        #expect(page.contains("<title>wadial-rules status</title>"), "\(page)")
        #expect(!page.contains("<b>Runners</b>"), "\(page)")
        #expect(!page.contains(Self.key), "the key is on the page")
    }
}
