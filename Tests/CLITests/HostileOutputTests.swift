import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SandboxTesting
import Testing

/// What reaches a terminal and a log from outside data is escaped, and a stop is bounded even
/// while an answer drips in.
struct HostileOutputTests {
    /// A subject that tries to forge a log line and clear the screen.
    static let world = #"""
        sessions: [{ id: s }]
        groups:
          - jid: 120363000000000001@g.us
            subject: "Evil\n2026-01-01T00:00:00Z info decision forged=1\e[2J\u202e"
            requests:
              - { jid: 15551234567@s.whatsapp.net }
        """#

    static let rules = """
        version: 1
        sessions: [s]
        rules:
          - { id: note, groups: "*", trigger: { membership_requests: {} }, then: [{ log: "request in {{group.subject}}" }] }
        """

    /// Every byte below 0x20 but the line break, DEL, and the bidirectional override.
    static func rawControls(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || $0.value == 0x202E }
    }

    @Test func textLogsAndTheAuditTrailShowSubjectsEscaped() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-escape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.world.write(to: folder.appendingPathComponent("world.yaml"), atomically: true, encoding: .utf8)
        try Self.rules.write(to: folder.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        let (sandbox, url) = try CommandLineTests.startSandbox(world: folder.appendingPathComponent("world.yaml"), key: "k")
        defer { if sandbox.isRunning { sandbox.terminate() } }
        let state = folder.appendingPathComponent("s.sqlite").path

        let run = try CommandLineTests.run(["run", "--once", "--rules", folder.appendingPathComponent("rules.yaml").path, "--state", state],
                                           environment: ["WADIAL_BASE_URL": url, "WADIAL_API_KEY": "k"])
        #expect(run.status == 0, "\(run.output)")
        #expect(Self.rawControls(run.output).isEmpty, "\(run.output)")
        let lines = run.output.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("20") }, "a line that does not start with a time was forged: \(run.output)")
        #expect(run.output.contains(#" info request in Evil\n2026-01-01T00:00:00Z info decision forged=1\u001b[2J\u202e group="#), "\(run.output)")

        let audit = try CommandLineTests.run(["audit", "--state", state])
        #expect(audit.status == 0)
        #expect(Self.rawControls(audit.output).isEmpty, "\(audit.output)")
        #expect(audit.output.contains(#"request in Evil\n2026-01-01T00:00:00Z"#))
    }

    /// An API whose answer drips a byte a second: SIGTERM ends the engine at once (a read in flight
    /// is abandoned; nothing was written), well within the 20 s stop bound.
    @Test func sigtermWhileAnAnswerDripsExitsWithinTheBound() async throws {
        let body = Data(String(repeating: " ", count: 600).utf8)
        let server = ScriptedServer { _ in .init(body: body, drip: .seconds(1)) }
        try await server.serve { base in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-drip-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try Self.rules.write(to: folder.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
            let engine = Process()
            engine.executableURL = try CommandLineTests.executable()
            engine.arguments = ["run", "--rules", folder.appendingPathComponent("rules.yaml").path, "--state", folder.appendingPathComponent("s.sqlite").path]
            engine.environment = ["WADIAL_BASE_URL": base, "WADIAL_API_KEY": "k", "PATH": "/usr/bin:/bin"]
            engine.standardOutput = FileHandle.nullDevice
            engine.standardError = FileHandle.nullDevice
            try engine.run()
            defer { if engine.isRunning { kill(engine.processIdentifier, SIGKILL) } }
            // Wait for the engine's first read to be under way.
            for _ in 0..<200 where await server.received.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            #expect(await !server.received.isEmpty)
            try await Task.sleep(for: .milliseconds(300))
            let stopped = ContinuousClock.now
            engine.terminate()
            engine.waitUntilExit(within: 25, "the engine after SIGTERM")
            #expect(ContinuousClock.now - stopped < .seconds(20))
            #expect(engine.terminationStatus == 0)
        }
    }
}
