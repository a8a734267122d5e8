import Foundation
import Testing

/// The `wadial-rules` executable, run as a process.
struct CommandLineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Outcome {
        let status: Int32
        let output: String
    }

    static func executable() throws -> URL {
        // The test bundle sits in the build folder beside the executable.
        let testBinary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        var folder = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("wadial-rules")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let fallback = repository.appendingPathComponent(".build/debug/wadial-rules")
        try #require(FileManager.default.isExecutableFile(atPath: fallback.path), "wadial-rules is not built")
        return fallback
    }

    /// Runs the executable to its end; one that runs past `timeLimit` seconds is killed and the
    /// test fails saying so.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeLimit: TimeInterval = 120,
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> Outcome {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = repository
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let watchdog = Watchdog(process, limit: timeLimit)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.disarm()
        #expect(!watchdog.expired, "wadial-rules \(arguments.joined(separator: " ")) ran past \(Int(timeLimit)) s and was killed", sourceLocation: sourceLocation)
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// `run` on a thread of its own: an async test that waits for a child process does not hold
    /// one of the (few) threads every other test's tasks need meanwhile.
    static func runDetached(_ arguments: [String], environment: [String: String] = [:], timeLimit: TimeInterval = 120) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try run(arguments, environment: environment, timeLimit: timeLimit) })
            }
        }
    }

    /// Starts `wadial-rules sandbox` on a free port with a world file; returns the process and the
    /// base URL it printed. The caller terminates it.
    static func startSandbox(world: URL, key: String, extra: [String] = []) throws -> (Process, String) {
        let sandbox = Process()
        sandbox.executableURL = try executable()
        sandbox.arguments = ["sandbox", "--port", "0", "--world", world.path, "--key", key] + extra
        let output = Pipe()
        sandbox.standardOutput = output
        sandbox.standardError = output
        try sandbox.run()
        // A sandbox that never prints its banner is killed, which ends the read below.
        let watchdog = Watchdog(sandbox, limit: 30)
        defer { watchdog.disarm() }
        var banner = ""
        while !banner.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        guard let url = banner.split(separator: " ").first(where: { $0.hasPrefix("http://127.0.0.1:") }).map(String.init) else {
            sandbox.terminate()
            throw SandboxDidNotStart(output: banner)
        }
        return (sandbox, url)
    }

    struct SandboxDidNotStart: Error {
        let output: String
    }

    @Test func checkTheExampleRules() throws {
        let outcome = try Self.run(["check", "rules"])
        #expect(outcome.status == 0)
        #expect(outcome.output.hasPrefix("ok: 4 files, "))
    }

    /// A load's threads come from WADIAL_LOAD_THREADS: a value that is not 1 to 64 stops the
    /// command before it does anything, saying why (`--help` and `--version` still answer).
    @Test func aBadLoadThreadCountIsRefused() throws {
        for bad in ["0", "65", "two", "1\u{1B}[2J"] {
            let outcome = try Self.run(["check", "rules"], environment: ["WADIAL_LOAD_THREADS": bad])
            #expect(outcome.status == 1, "\(bad)")
            let shown = bad.replacingOccurrences(of: "\u{1B}", with: "\\u001b")  // escaped, never sent to the terminal
            #expect(outcome.output.contains("error: WADIAL_LOAD_THREADS is \"\(shown)\"; expected a whole number from 1 to 64"), "\(outcome.output)")
        }
        #expect(try Self.run(["check", "rules"], environment: ["WADIAL_LOAD_THREADS": ""]).status == 0)  // empty: unset
        let one = try Self.run(["check", "rules"], environment: ["WADIAL_LOAD_THREADS": "1"])
        #expect(one.status == 0)
        #expect(one.output == (try Self.run(["check", "rules"])).output)
    }

    @Test func checkDefaultsToTheRulesFolder() throws {
        #expect(try Self.run(["check"]).status == 0)
    }

    @Test func checkReportsEveryErrorAndExitsOne() throws {
        let fixture = "Tests/RulesTests/Fixtures/invalid/12-decision-actions.yaml"
        let outcome = try Self.run(["check", fixture])
        #expect(outcome.status == 1)
        #expect(outcome.output.hasPrefix(fixture + ":6:12: error: rules[0].then[0].approve_requests: "))
        #expect(outcome.output.hasSuffix("6 errors in 1 file\n"))
    }

    @Test func checkWarnsOfRulesThatFightAndStrictMakesItFail() throws {
        let fixture = "Tests/RulesTests/Fixtures/valid/fighting-rules.yaml"
        let outcome = try Self.run(["check", fixture])
        #expect(outcome.status == 0)
        #expect(outcome.output == """
            \(fixture):9:5: warning: policy "open-chat" sets announcement to false, and rule "big-announce" (\(fixture):4:5) sets it to true, on groups both can select: one undoes the other
              help: give the policy an if: that the other rules out (member_count ranges that do not overlap, or a setting: on another value), or select groups that do not overlap
            ok: 1 file, 1 rule, 1 policy, 1 warning

            """)
        #expect(try Self.run(["check", "--strict", fixture]).status == 1)
        #expect(try Self.run(["check", "--strict", "rules"]).status == 0)
        let json = try Self.run(["check", "--format", "json", "--strict", fixture])
        #expect(json.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let warnings = try #require(report["warnings"] as? [[String: Any]])
        #expect(warnings.first?["line"] as? Int == 9)
        #expect(warnings.first?["file"] as? String == fixture)
    }

    @Test func checkShowsControlCharactersOfRuleFilesAsEscapes() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-escape-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            version: 1
            rules:
              - { id: r, groups: ["\\u001b[2Jbad\\u202e"], trigger: { membership_requests: {} }, then: [approve_requests] }
            """.write(to: file, atomically: true, encoding: .utf8)
        let outcome = try Self.run(["check", file.path])
        #expect(outcome.status == 1)
        #expect(!outcome.output.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x202e }, "\(outcome.output)")
        #expect(outcome.output.contains("bad"), "\(outcome.output)")
    }

    @Test func checkAsJSON() throws {
        let outcome = try Self.run(["check", "--format", "json", "Tests/RulesTests/Fixtures/invalid/17-version.yaml"])
        #expect(outcome.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["line"] as? Int == 1)
        #expect(problems.first?["column"] as? Int == 10)
        #expect(problems.first?["path"] as? String == "version")
        #expect(problems.first?["message"] as? String == "unsupported version 2; this engine reads version 1")
    }

    @Test func checkValidAsJSON() throws {
        let outcome = try Self.run(["check", "--format", "json", "rules"])
        #expect(outcome.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == true)
        #expect((report["files"] as? [String])?.count == 4)
    }

    /// A missing session is a configuration problem: exit 2 with the same words from every
    /// command that needs one, and the API client shut down on the way out (a debug build traps,
    /// exit 132, when one is released without it).
    @Test(arguments: [["run", "--once"], ["plan"], ["explain", "--group", "120363000000000001@g.us", "--jid", "15551230001@s.whatsapp.net"]])
    func aMissingSessionIsExitTwoEverywhere(_ command: [String]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-nosession-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = folder.appendingPathComponent("rules.yaml")
        try "version: 1\nrules:\n  - { id: vet, groups: \"*\", trigger: { membership_requests: {} }, then: [approve_requests] }\n"
            .write(to: rules, atomically: true, encoding: .utf8)
        let outcome = try Self.run(command + ["--rules", rules.path, "--state", folder.appendingPathComponent("s.sqlite").path],
                                   environment: ["WADIAL_BASE_URL": "http://127.0.0.1:9", "WADIAL_API_KEY": "k"])
        #expect(outcome.status == 2, "\(outcome.output)")
        #expect(outcome.output == "error: no session: name sessions in the rules, pass --session or set WADIAL_SESSION_ID\n")
    }

    /// Every number from a flag is range-checked: a usage error naming the flag and its range.
    @Test(arguments: [
        (["api", "groups", "list", "--timeout", "9223372036854775807"], "Error: --timeout takes 1 to 300 seconds; found 9223372036854775807"),
        (["sandbox", "--port", "99999"], "Error: --port takes 0 to 65535; found 99999"),
        (["sandbox", "--latency", "9223372036854775807"], "Error: --latency takes 0 to 60000 milliseconds; found 9223372036854775807"),
        (["sandbox", "--retry-after=-1"], "Error: --retry-after takes 0 to 3600 seconds; found -1"),
    ])
    func numbersFromFlagsAreRangeChecked(_ arguments: [String], _ message: String) throws {
        let outcome = try Self.run(arguments, environment: ["WADIAL_API_KEY": "k"])
        #expect(outcome.status == 64)
        #expect(outcome.output.hasPrefix(message + "\n"), "\(outcome.output)")
    }

    /// A log consumer that went away (a closed pipe) costs the log lines, not the engine.
    @Test func aClosedStandardOutputDoesNotKillTheEngine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-pipe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = ["run", "--once", "--sandbox", "--state", folder.appendingPathComponent("s.sqlite").path]
        process.currentDirectoryURL = Self.repository
        process.environment = ["PATH": "/usr/bin:/bin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try pipe.fileHandleForReading.close()
        try process.run()
        process.waitUntilExit(within: 60, "the engine writing to a closed pipe")
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test func aBaseURLWithAPortOutOfRangeIsAConfigurationErrorNotATrap() throws {
        let outcome = try Self.run(["api", "groups", "list"], environment: ["WADIAL_BASE_URL": "http://127.0.0.1:65536", "WADIAL_API_KEY": "k", "WADIAL_SESSION_ID": "s"])
        #expect(outcome.status == 2)
        #expect(outcome.output == "error: WADIAL_BASE_URL \"http://127.0.0.1:65536\" has port 65536, outside 1 to 65535; expected something like https://api.wadial.com\n")
    }

    @Test func versionAndTheStartAndStopLines() throws {
        let version = try Self.run(["--version"])
        #expect(version.status == 0)
        #expect(version.output.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version.output)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-life-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("s.sqlite").path
        let run = try Self.run(["run", "--once", "--sandbox", "--state", state])
        #expect(run.status == 0)
        let lines = run.output.split(separator: "\n")
        let start = try #require(lines.first { $0.contains(" notice engine starting ") })
        for field in ["version=\(version.output.dropLast())", "rules=8", "policies=3", "sessions=sandbox", "poll=10s", "state=\(state)", "files=rules/community.yaml,",
                      "instance=", "lease=20s", "next_runs=\"demo-rotate-announcements-link after the first tick, weekly-invite-rotation Mon ", " Europe/Berlin\""] {
            #expect(start.contains(field), "\(start) lacks \(field)")
        }
        #expect(lines.last?.hasSuffix(#"notice engine stopped reason="--once: one tick per session done""#) == true, "\(run.output)")
        // A decision for people: what first, then the group's subject, the requesters by number
        // with their JIDs, and how it went.
        let decision = try #require(lines.first { $0.contains(" info approved 1 join request in Support ") }, "\(run.output)")
        for field in ["subject=Support", "group=120363000000000001@g.us", #"requesters="+4915123456789 (4915123456789@s.whatsapp.net)""#, #"outcome="done=1""#,
                      "rules=approve-listed"] {
            #expect(decision.contains(field), "\(decision) lacks \(field)")
        }
        // Drift in the rules' units, the policy and what it found first.
        #expect(lines.contains { $0.contains(" info policy baseline found drift: ephemeral is off, policy wants 7d group=") }, "\(run.output)")
        // The rule's own log text is the message.
        #expect(lines.contains { $0.contains(" info approved listed numbers in Support group=") }, "\(run.output)")

        // The audit trail in the rules' timezone (Europe/Berlin) with the weekday, between dates.
        let audit = try Self.run(["audit", "--state", state, "--since", "2020-01-01", "--until", "2100-01-01T00:00"])
        #expect(audit.status == 0, "\(audit.output)")
        let approval = try #require(audit.output.split(separator: "\n").first { $0.contains("approve_requests") && $0.contains("4915123456789") }, "\(audit.output)")
        #expect(approval.range(of: #"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe/Berlin "#, options: .regularExpression) != nil, "\(approval)")
        #expect(audit.output.contains("from Wed 2020-01-01 00:00:00 Europe/Berlin to Fri 2100-01-01 00:00:00 Europe/Berlin"), "\(audit.output)")
        let tokyo = try Self.run(["audit", "--state", state, "--since", "1h", "--timezone", "Asia/Tokyo"])
        #expect(tokyo.output.contains(" Asia/Tokyo "), "\(tokyo.output)")
        // A dry run names whom it would decide, by number.
        let dry = try Self.run(["run", "--once", "--sandbox", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.output.contains(#" info would approve 1 join request in Support (dry-run) "#) && dry.output.contains(#"requesters="+4915123456789 (4915123456789@s.whatsapp.net)""#),
                "\(dry.output)")
        // A bad moment is a usage error of audit, with audit's usage.
        let bad = try Self.run(["audit", "--state", state, "--since", "yesterday"])
        #expect(bad.status == 64)
        #expect(bad.output.contains("--since takes a duration back from now") && bad.output.contains("Usage: wadial-rules audit "), "\(bad.output)")
    }

    @Test func runOnceExitsOneWhenItsTickFailed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-once-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Nothing listens on port 9 of loopback: every read fails.
        let outcome = try Self.run(["run", "--once", "--state", folder.appendingPathComponent("s.sqlite").path, "--log-level", "error"],
                                   environment: ["WADIAL_BASE_URL": "http://127.0.0.1:9", "WADIAL_API_KEY": "k", "WADIAL_SESSION_ID": "s"])
        #expect(outcome.status == 1)
        #expect(outcome.output.hasSuffix("error: 1 tick failed; the log above says why\n"), "\(outcome.output)")
    }

    @Test func checkAMissingPath() throws {
        let outcome = try Self.run(["check", "no-such-folder"])
        #expect(outcome.status == 1)
        #expect(outcome.output == "no-such-folder: error: no such file or folder\n1 error in 1 file\n")
    }

    @Test func schemaIsJSON() throws {
        let outcome = try Self.run(["schema"])
        #expect(outcome.status == 0)
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(schema["title"] as? String == "wadial-rules rule file (version 1)")
    }
}
