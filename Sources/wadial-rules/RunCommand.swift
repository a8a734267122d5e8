import ArgumentParser
import Engine
import Foundation
import Logging
import Rules
import Sandbox
import ServiceLifecycle
import State
import WadialAPI

struct RuleOptions: ParsableArguments {
    @Option(help: "Rule file or folder.")
    var rules = "rules"

    /// The rule set, or every problem printed and exit 1.
    func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RuleSet {
        do {
            return try RuleLoader(environment: environment).load(paths: [rules])
        } catch {
            printError(error.description)
            printError(error.summary)
            throw ExitCode(1)
        }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the engine: poll, evaluate the rules, act.",
        discussion: """
            Without --sandbox it talks to the API named by WADIAL_BASE_URL with WADIAL_API_KEY. \
            SIGTERM or SIGINT finish the write in flight and exit 0.
            """
    )

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "The state file (SQLite).")
    var state = SQLiteStateStore.defaultPath

    @Flag(help: "Evaluate and act once, then exit.")
    var once = false

    @Flag(help: "Run everything except the writes, log what would be done, and keep no state.")
    var dryRun = false

    @Flag(help: "Start the simulated API in-process with its demo world and run against it.")
    var sandbox = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var logger = Logger(label: "wadial")
        logger.logLevel = logLevel
        _ = try ruleOptions.load()  // fail fast, with every error, before anything starts
        let store: any StateStore = dryRun ? MemoryStateStore() : try SQLiteStateStore(path: sandbox ? sandboxStatePath : state)
        if sandbox {
            try await runWithSandbox(store: store, logger: logger)
            return
        }
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        let rules = try ruleOptions.load()
        let client = HTTPWadialClient(configuration: withLimits(configuration, rules), logger: logger)
        let sessions = rules.sessions ?? configuration.sessionID.map { [$0] } ?? []
        guard !sessions.isEmpty else {
            printError("error: no session: name sessions in the rules or set WADIAL_SESSION_ID")
            throw ExitCode(2)
        }
        let engine = Engine(rules: rules, options: .init(sessions: sessions, dryRun: dryRun, once: once), client: client, store: store,
                            clock: ContinuousClock(), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let outcome = await Result(catching: { try await group.run() })
        try await client.shutdown()
        try outcome.get()
    }

    /// `--sandbox` keeps its state apart from a real account's.
    var sandboxStatePath: String {
        state == SQLiteStateStore.defaultPath ? ".wadial-rules/sandbox-state.sqlite" : state
    }

    func withLimits(_ configuration: WadialConfiguration, _ rules: RuleSet) -> WadialConfiguration {
        var configuration = configuration
        configuration.requestsPerMinute = rules.settings.limits.requestsPerMinute
        configuration.mutationsPerMinute = rules.settings.limits.mutationsPerMinute
        return configuration
    }

    private func runWithSandbox(store: any StateStore, logger: Logger) async throws {
        let file = DemoWorld.file()
        let key = "sandbox-key"
        let server = SandboxServer(world: file.world(), apiKey: key)
        var quiet = logger
        quiet.logLevel = .warning
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application(port: 0, logger: quiet) { continuation.yield($0) }
        let engine = SandboxedEngine(ports: ports, key: key, command: self, store: store, logger: logger)
        // When the engine ends (--once), the sandbox shuts down gracefully with it.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        try await group.run()
    }

    /// Waits for the in-process sandbox to listen, then runs the engine against it over HTTP.
    struct SandboxedEngine: Service {
        let ports: AsyncStream<Int>
        let key: String
        let command: RunCommand
        let store: any StateStore
        let logger: Logger

        func run() async throws {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            let base = "http://127.0.0.1:\(port)"
            logger.info("sandbox listening", metadata: ["url": "\(base)", "world": "demo"])
            // The demo rules post webhooks to the sandbox unless told otherwise.
            var environment = ProcessInfo.processInfo.environment
            if environment["INVITE_WEBHOOK_URL"] == nil { environment["INVITE_WEBHOOK_URL"] = base + "/hooks/invite" }
            let rules = try command.ruleOptions.load(environment: environment)
            let client = HTTPWadialClient(configuration: command.withLimits(WadialConfiguration(baseURL: base, apiKey: APIKey(key)), rules), logger: logger)
            let engine = Engine(rules: rules, options: .init(sessions: [DemoWorld.session], dryRun: command.dryRun, once: command.once),
                                client: client, store: store, clock: ContinuousClock(), logger: logger)
            let outcome = await Result(catching: { try await engine.run() })
            try await client.shutdown()
            try outcome.get()
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body, so that cleanup runs either way.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
