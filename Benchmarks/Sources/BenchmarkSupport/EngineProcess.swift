import Foundation

/// The `wadial-rules` executable run as a user runs it, against a sandbox served by the benchmark.
///
/// `make bench` builds it in release as `make install` does and names it in `WADIAL_RULES_BIN`;
/// without that variable, the one beside the benchmark executables is used.
public final class EngineProcess: @unchecked Sendable {
    public let process = Process()
    public let directory: URL
    public let logFile: URL

    public struct NotFound: Error, CustomStringConvertible {
        public let tried: [String]
        public var description: String { "wadial-rules not found (run `make bench`, or set WADIAL_RULES_BIN); tried \(tried)" }
    }

    /// The executable: `$WADIAL_RULES_BIN`, or `wadial-rules` beside the running benchmark.
    public static func executable() throws -> URL {
        var tried: [String] = []
        if let path = ProcessInfo.processInfo.environment["WADIAL_RULES_BIN"], !path.isEmpty {
            tried.append(path)
            if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        }
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let beside = URL(fileURLWithPath: selfPath).deletingLastPathComponent().appendingPathComponent("wadial-rules")
        tried.append(beside.path)
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        throw NotFound(tried: tried)
    }

    /// Starts `wadial-rules ARGUMENTS` with the environment pointing it at the sandbox on `port`;
    /// its output goes to a log file in `directory`.
    public init(_ arguments: [String], port: Int, session: String, directory: URL, environment extra: [String: String] = [:]) throws {
        self.directory = directory
        logFile = directory.appendingPathComponent("engine.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.executableURL = try Self.executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ["PATH": "/usr/bin:/bin", "HOME": directory.path]
        environment["WADIAL_BASE_URL"] = "http://127.0.0.1:\(port)"
        environment["WADIAL_API_KEY"] = SandboxHost.apiKey
        environment["WADIAL_SESSION_ID"] = session
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// `wadial-rules run` (with `--once` if asked) on `rules`, written to `rules.yaml` in
    /// `directory`, its state beside them, against the sandbox on `port`.
    public static func run(rules: String, once: Bool = false, port: Int, directory: URL) throws -> EngineProcess {
        try rules.write(to: directory.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        let arguments = ["run"] + (once ? ["--once"] : []) + ["--rules", "rules.yaml", "--state", "state.sqlite", "--log-level", "warning"]
        return try EngineProcess(arguments, port: port, session: WorldCorpus.session, directory: directory)
    }

    /// Resident memory in KiB, from /proc (VmRSS); nil once the process is gone.
    public var residentKiB: Int? { status("VmRSS") }

    /// Peak resident memory in KiB (VmHWM).
    public var peakResidentKiB: Int? { status("VmHWM") }

    /// A KiB figure of /proc/PID/status.
    private func status(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// Waits for the process to exit by itself (`run --once`); its exit status. Polls rather than
    /// blocking a thread: the sandbox this process serves needs the cooperative pool meanwhile.
    public func waitForExit() async -> Int32 {
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    /// SIGTERM, as systemd would stop it, then waits; its exit status.
    public func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        return await waitForExit()
    }

    /// Runs `body` while the process runs, then stops it, whatever `body` did.
    public func whileRunning<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            _ = await stop()
            return value
        } catch {
            _ = await stop()
            throw error
        }
    }

    /// What the engine logged, for a benchmark that fails.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// A fresh temporary directory for one benchmark run.
    public static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-bench-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
