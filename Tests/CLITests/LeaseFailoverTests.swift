import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// More than one engine per session, as an operator runs them: as processes, against one
/// sandbox, on one store. From the sandbox's own call log: every requester is approved exactly
/// once (not even a second, refused, attempt), whichever engine sent it, through graceful stops,
/// SIGKILLs and restarts; a standby takes over within one lease duration.
@Suite(.serialized)
struct LeaseFailoverTests {
    /// An engine process whose output (text logs) goes to a file the test reads.
    final class EngineProcess {
        let process = Process()
        let log: URL
        let started = Date()

        init(_ arguments: [String], environment: [String: String], folder: URL, name: String) throws {
            log = folder.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(6)).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.executableURL = try CommandLineTests.executable()
            process.arguments = arguments
            process.environment = environment
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Waits until the log has a line containing `text`; the time it took, or nil after `limit`.
        func waitFor(_ text: String, limit: TimeInterval) async throws -> TimeInterval? {
            let start = Date()
            while Date().timeIntervalSince(start) < limit {
                if output.contains(text) { return Date().timeIntervalSince(start) }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }

        func signal(_ number: Int32) async throws {
            kill(process.processIdentifier, number)
            let deadline = Date().addingTimeInterval(25)
            while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    static func world(sessions: [String], arrivals: Int, every milliseconds: Int) -> String {
        var text = "sessions: [" + sessions.map { "{ id: \($0) }" }.joined(separator: ", ") + "]\ngroups:\n"
        for (index, session) in sessions.enumerated() {
            text += "  - { jid: 12036300000000000\(index)@g.us, subject: Runners \(index), size: 10, sessions: [\(session)] }\n"
        }
        text += "arrivals:\n"
        for (index, _) in sessions.enumerated() {
            for serial in 0..<arrivals {
                let after = (300 + serial * milliseconds) / 1000
                text += "  - { after: \(after)s, group: 12036300000000000\(index)@g.us, request: { jid: 1555\(index)00\(String(format: "%04d", serial))@s.whatsapp.net } }\n"
            }
        }
        return text
    }

    static func rules(sessions: [String]) -> String {
        """
        version: 1
        settings: { poll_interval: 5s, lease: { duration: 4s, margin: 1s } }
        sessions: [\(sessions.joined(separator: ", "))]
        rules:
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
        """
    }

    /// Every approval the sandbox processed, per requester (a second one is a decision sent twice).
    static func approvals(_ url: String, key: String = "k") async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for call in try await KillUnderFaultsTests.calls(url, key: key) where call["operation"] as? String == "decide_requests" {
            guard let body = call["body"] as? [String: Any], body["action"] as? String == "approve" else { continue }
            for jid in body["participants"] as? [String] ?? [] { counts[jid, default: 0] += 1 }
        }
        return counts
    }

    static func setUp(_ name: String, sessions: [String], arrivals: Int, every: Int) throws -> (folder: URL, rules: String, sandbox: Process, url: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try world(sessions: sessions, arrivals: arrivals, every: every).write(to: folder.appendingPathComponent("world.yaml"), atomically: true, encoding: .utf8)
        try rules(sessions: sessions).write(to: folder.appendingPathComponent("rules/r.yaml"), atomically: true, encoding: .utf8)
        let (sandbox, url) = try CommandLineTests.startSandbox(world: folder.appendingPathComponent("world.yaml"), key: "k")
        return (folder, folder.appendingPathComponent("rules").path, sandbox, url)
    }

    /// Waits until every expected requester was approved (or the limit passes); the counts.
    static func settle(_ url: String, expecting jids: Set<String>, limit: TimeInterval) async throws -> [String: Int] {
        let start = Date()
        var counts: [String: Int] = [:]
        while Date().timeIntervalSince(start) < limit {
            counts = try await approvals(url)
            if Set(counts.keys).isSuperset(of: jids) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return counts
    }

    @Test func aStandbyOnOneSQLiteFileTakesOverAfterAStopAndAKillAndNothingIsDecidedTwice() async throws {
        let arrivals = 40
        let (folder, rules, sandbox, url) = try Self.setUp("standby", sessions: ["s"], arrivals: arrivals, every: 300)
        defer {
            if sandbox.isRunning { sandbox.terminate() }
            try? FileManager.default.removeItem(at: folder)
        }
        let environment = ["WADIAL_BASE_URL": url, "WADIAL_API_KEY": "k", "PATH": "/usr/bin:/bin"]
        let state = folder.appendingPathComponent("state.sqlite").path
        let arguments = ["run", "--rules", rules, "--state", state, "--log-level", "notice"]
        var engines: [EngineProcess] = []
        defer { for engine in engines where engine.process.isRunning { kill(engine.process.processIdentifier, SIGKILL) } }

        let first = try EngineProcess(arguments, environment: environment, folder: folder, name: "a")
        engines.append(first)
        #expect(try await first.waitFor("holding the lease", limit: 10) != nil, "\(first.output)")
        let metricsPort = try PostgresTestServer.freePort()
        let second = try EngineProcess(arguments + ["--metrics", "127.0.0.1:\(metricsPort)"], environment: environment, folder: folder, name: "b")
        engines.append(second)
        // The second waits, says so once, and names the holder; healthy as a standby.
        #expect(try await second.waitFor("standby: another engine holds the lease", limit: 10) != nil, "\(second.output)")
        let health = try await Self.get("http://127.0.0.1:\(metricsPort)/healthz")
        #expect(health.status == 200 && health.body.hasPrefix("ok: standby: session s is held by "), "\(health)")
        let metrics = try await Self.get("http://127.0.0.1:\(metricsPort)/metrics")
        #expect(metrics.body.contains("wadial_lease_held{session=\"s\"} 0"), "\(metrics.body)")
        try await Task.sleep(for: .seconds(2))
        #expect(!second.output.contains("holding the lease"), "two engines hold one session: \(second.output)")
        #expect(second.output.components(separatedBy: "standby:").count == 2, "the standby line is logged once: \(second.output)")

        // A graceful stop hands the lease back at once.
        try await first.signal(SIGTERM)
        #expect(first.output.contains("handed the lease of the session back"), "\(first.output)")
        let handedOver = try await second.waitFor("holding the lease", limit: 4)
        #expect(handedOver.map { $0 < 2 } == true, "taken over after a graceful stop in \(handedOver.map { "\($0)" } ?? "never") s: \(second.output)")

        // A restarted engine is the standby now; SIGKILL of the active one: a process of this
        // machine that is gone, so taken over at once (well within the 4 s lease).
        let third = try EngineProcess(arguments, environment: environment, folder: folder, name: "c")
        engines.append(third)
        #expect(try await third.waitFor("standby:", limit: 10) != nil, "\(third.output)")
        try await Task.sleep(for: .milliseconds(1700))
        try await second.signal(SIGKILL)
        let takeover = try await third.waitFor("holding the lease", limit: 8)
        #expect(takeover.map { $0 <= 2 } == true, "taken over \(takeover.map { "\($0)" } ?? "never") s after the kill (lease 4 s): \(third.output)")
        #expect(third.output.contains("a process of this machine that is gone; taking over at once"), "\(third.output)")

        let expected = Set((0..<arrivals).map { "15550" + "00" + String(format: "%04d", $0) + "@s.whatsapp.net" })
        let counts = try await Self.settle(url, expecting: expected, limit: 40)
        #expect(Set(counts.keys) == expected, "approved: \(counts.keys.sorted())")
        for (jid, count) in counts where count != 1 {
            Issue.record("\(jid) was sent approve \(count) times")
        }
        // prune beside the running engine: nothing is old enough yet.
        let prune = try await CommandLineTests.runDetached(["prune", "--rules", rules, "--state", state, "--dry-run"])
        #expect(prune.status == 0 && prune.output.contains("would remove 0 audit rows (older than 90d), 0 closed journal intents"), "\(prune.output)")
    }

    /// One value from the database, through Debian's psql.
    static func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-At", "-c", sql]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The PostgreSQL cluster mode: three engines, three sessions, one database.
    @Test func threeEnginesOnPostgresShareTheSessionsAndSurviveTwentyKills() async throws {
        let seed = ProcessInfo.processInfo.environment["WADIAL_TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("LeaseFailoverTests seed \(seed) (replay with WADIAL_TEST_SEED=\(seed))")
        var generator = SeededGenerator(seed: seed)
        let sessions = ["s1", "s2", "s3"]
        let arrivals = 30
        let (folder, rules, sandbox, url) = try Self.setUp("cluster", sessions: sessions, arrivals: arrivals, every: 900)
        defer {
            if sandbox.isRunning { sandbox.terminate() }
            try? FileManager.default.removeItem(at: folder)
        }
        let database = try await PostgresTestServer.shared.makeDatabase()
        // As engines on three machines: a killed one's leases are waited out, not taken at once.
        let environment = ["WADIAL_BASE_URL": url, "WADIAL_API_KEY": "k", "PATH": "/usr/bin:/bin", "WADIAL_STATE": database,
                           "WADIAL_LEASE_LOCAL_TAKEOVER": "off"]
        let arguments = ["run", "--rules", rules, "--log-level", "notice"]
        var engines: [EngineProcess] = []
        for index in 0..<3 { engines.append(try EngineProcess(arguments, environment: environment, folder: folder, name: "e\(index)")) }
        defer { for engine in engines where engine.process.isRunning { kill(engine.process.processIdentifier, SIGKILL) } }
        for engine in engines {
            #expect(try await engine.waitFor("engine starting", limit: 15) != nil, "\(engine.output)")
        }
        // Spread: once they have settled, each holds one session (from the database itself).
        var holders = ""
        for _ in 0..<120 {
            try await Task.sleep(for: .milliseconds(250))
            holders = try Self.psql(database, "SELECT string_agg(DISTINCT holder, ',') FROM wadial_leases WHERE holder <> '' AND expires > extract(epoch FROM now())")
            if holders.split(separator: ",").count == 3 { break }
        }
        #expect(holders.split(separator: ",").count == 3, "the sessions were not spread over the three engines: \(holders)")

        let killsStarted = Date()
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500, using: &generator)))
            let victim = Int.random(in: 0..<engines.count, using: &generator)
            try await engines[victim].signal(SIGKILL)
            engines[victim] = try EngineProcess(arguments, environment: environment, folder: folder, name: "e\(victim)")
        }
        let killsEnded = Date()

        var expected: Set<String> = []
        for index in sessions.indices {
            for serial in 0..<arrivals { expected.insert("1555\(index)00\(String(format: "%04d", serial))@s.whatsapp.net") }
        }
        let counts = try await Self.settle(url, expecting: expected, limit: 60)
        #expect(Set(counts.keys) == expected, "lost: \(expected.subtracting(counts.keys).sorted()) (seed \(seed))")
        for (jid, count) in counts where count != 1 {
            Issue.record("\(jid) was sent approve \(count) times (seed \(seed))")
        }
        // No session without an active engine for longer than one lease (4 s) plus one poll (5 s):
        // the gaps between its group listings while the kills went on, plus 3 s for the start of a
        // debug process on a loaded 2-core machine (1 s was seen exceeded there: 11.2 and 11.9 s,
        // seeds that pass when replayed). Waiting out a second lease would still fail (13 s).
        let calls = try await KillUnderFaultsTests.calls(url)
        for session in sessions {
            let times = calls.filter { $0["operation"] as? String == "list_groups" && ($0["path"] as? String)?.contains("/sessions/\(session)/") == true }
                .compactMap { $0["time"] as? Double }.filter { $0 >= killsStarted.timeIntervalSince1970 - 10 && $0 <= killsEnded.timeIntervalSince1970 + 10 }
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            #expect((gaps.max() ?? 0) <= 12, "session \(session) went \(gaps.max() ?? 0) s without an engine (seed \(seed))")
        }
    }
}
