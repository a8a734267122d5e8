// Public: the conformances below make types of other modules arguments.
public import ArgumentParser
import Engine
import Foundation
import Logging
import Rules
import Sandbox
import ServiceLifecycle
import State
import WadialAPI
import WadialModels
import Prometheus
import ProcessMemory
import UnixSignals

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

    @Option(help: "A session to run (repeatable; default: the rules' sessions or $WADIAL_SESSION_ID).")
    var session: [String] = []

    @Flag(help: "Evaluate and act once, then exit.")
    var once = false

    @Flag(help: "Run everything except the writes, log what would be done, and keep no state.")
    var dryRun = false

    @Flag(help: "Start the simulated API in-process with its demo world and run against it.")
    var sandbox = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Flag(help: "Reload the rules when a rule file changes (SIGHUP always reloads).")
    var watch = false

    @Option(help: "Serve Prometheus metrics at /metrics and health at /healthz on HOST:PORT (e.g. 127.0.0.1:9464).")
    var metrics: String?

    func validate() throws {
        if let metrics, MetricsServer.parse(metrics) == nil { throw ValidationError("--metrics takes HOST:PORT, like 127.0.0.1:9464") }
    }

    /// The services that run beside the engine: the rule reloader, and metrics when asked for.
    func companions(
        for engine: Engine<ContinuousClock>, environment: [String: String], registry: PrometheusCollectorRegistry?, logger: Logger
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let paths = [ruleOptions.rules]
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: RuleReloader(engine: engine, load: { () throws(RuleLoadError) -> RuleSet in
                try RuleLoader(environment: environment).load(paths: paths)
            }, watch: watch ? paths : nil, logger: logger)),
        ]
        if let metrics, let (host, port) = MetricsServer.parse(metrics), let registry {
            services.append(.init(service: MetricsServer.application(host: host, port: port, registry: registry, logger: logger) {
                await engine.health(at: Date())
            }))
        }
        return services
    }

    func run() async throws {
        // Before the tick threads allocate: see ProcessMemory (Engine) and Benchmarks/README.md.
        ProcessMemory.limitArenas()
        logFormat.bootstrap(level: logLevel)
        let registry = metrics != nil ? MetricsServer.bootstrap() : nil
        var logger = Logger(label: "wadial")
        logger.logLevel = logLevel
        // Fail fast, with every error, before anything starts. (--sandbox loads them again once
        // its port is known, for the webhook default.)
        let rules = try ruleOptions.load()
        if sandbox {
            try await runWithSandbox(store: try openStore(logger: logger), registry: registry, logger: logger)
            return
        }
        // The configuration before the state file: a run that cannot start creates nothing.
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        let sessions = try sessions(session, rules: rules, configuration: configuration)
        let store = try openStore(logger: logger)
        logStart(rules: rules, sessions: sessions, logger: logger)
        defer { logStop(logger: logger) }
        try await withAPIClient(withLimits(configuration, rules), logger: logger) { client in
            let engine = Engine(rules: rules, options: engineOptions(sessions: sessions), client: client, store: store,
                                clock: ContinuousClock(), logger: logger)
            let group = ServiceGroup(configuration: Self.bounded(.init(
                services: [.init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)]
                    + companions(for: engine, environment: ProcessInfo.processInfo.environment, registry: registry, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)))
            try await group.run()
            try await checkOnce(engine)
        }
    }

    /// `--once` exits 1 when any of its ticks failed (the API unreachable, a 401, the state
    /// unwritable): a cron job or a script can tell.
    func checkOnce(_ engine: Engine<ContinuousClock>) async throws {
        guard once else { return }
        let failed = await engine.failedTicks
        if failed > 0 { throw fail("\(failed) tick\(failed == 1 ? "" : "s") failed; the log above says why") }
    }

    /// One line at start: what runs, on what, against which sessions.
    func logStart(rules: RuleSet, sessions: [String], logger: Logger) {
        logger.notice("engine starting", metadata: [
            "version": "\(WadialRules.version)", "rules": "\(rules.rules.count)", "policies": "\(rules.policies.count)",
            "files": "\(rules.files.joined(separator: ","))", "state": "\(dryRun ? "memory (dry run)" : (sandbox ? sandboxStatePath : state))",
            "sessions": "\(sessions.joined(separator: ","))", "poll": "\(RuleDuration.format(rules.settings.pollInterval))",
        ])
    }

    /// One line at stop, with why.
    func logStop(logger: Logger) {
        logger.notice("engine stopped", metadata: ["reason": "\(once ? "--once: one tick per session done" : "stopped (SIGTERM or SIGINT, or the engine ended)")"])
    }

    /// The state store: the SQLite file (a notice when it is new or empty), or memory for a dry run.
    func openStore(logger: Logger) throws -> any StateStore {
        guard !dryRun else { return MemoryStateStore() }
        let path = sandbox ? sandboxStatePath : state
        do {
            let file = try SQLiteStateStore(path: path)
            if file.isNew {
                logger.notice("starting on a new state file: nothing is remembered yet", metadata: ["state": "\(path)"])
            }
            return file
        } catch {
            throw fail("\(error)")
        }
    }

    /// How long a stop (SIGTERM, SIGINT) may take: the write in flight finishes within it (an
    /// attempt's deadline is 15 s), or is cancelled at its end and journaled as unknown, to be
    /// reconciled on the next start. Below the systemd unit's TimeoutStopSec=30.
    static let stopBound: Duration = .seconds(20)

    static func bounded(_ configuration: ServiceGroupConfiguration) -> ServiceGroupConfiguration {
        var configuration = configuration
        configuration.maximumGracefulShutdownDuration = stopBound
        configuration.maximumCancellationDuration = .seconds(5)
        return configuration
    }

    /// Free heap memory goes back to the system after every round of ticks, so that resident
    /// memory follows what a tick needs rather than the largest tick so far.
    func engineOptions(sessions: [String]) -> Engine<ContinuousClock>.Options {
        .init(sessions: sessions, dryRun: dryRun, once: once, afterRound: { ProcessMemory.releaseFree() })
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

    private func runWithSandbox(store: any StateStore, registry: PrometheusCollectorRegistry?, logger: Logger) async throws {
        let file = DemoWorld.file()
        let key = "sandbox-key"
        let server = SandboxServer(world: file.world(), apiKey: key)
        var quiet = logger
        quiet.logLevel = .warning
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application(port: 0, logger: quiet) { continuation.yield($0) }
        let engine = SandboxedEngine(ports: ports, key: key, command: self, store: store, registry: registry, logger: logger)
        // When the engine ends (--once), the sandbox shuts down gracefully with it.
        let group = ServiceGroup(configuration: Self.bounded(.init(
            services: [.init(service: app), .init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet)))
        try await group.run()
    }

    /// Waits for the in-process sandbox to listen, then runs the engine against it over HTTP.
    struct SandboxedEngine: Service {
        let ports: AsyncStream<Int>
        let key: String
        let command: RunCommand
        let store: any StateStore
        let registry: PrometheusCollectorRegistry?
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
            command.logStart(rules: rules, sessions: [DemoWorld.session], logger: logger)
            defer { command.logStop(logger: logger) }
            try await withAPIClient(command.withLimits(WadialConfiguration(baseURL: base, apiKey: APIKey(key)), rules), logger: logger) { client in
                let engine = Engine(rules: rules, options: command.engineOptions(sessions: [DemoWorld.session]),
                                    client: client, store: store, clock: ContinuousClock(), logger: logger)
                let companions = command.companions(for: engine, environment: environment, registry: registry, logger: logger)
                // The engine first: when it ends (--once), the reloader and metrics end with it.
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    let inner = ServiceGroup(configuration: .init(
                        services: [.init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)] + companions, logger: logger))
                    tasks.addTask { try await inner.run() }
                    try await tasks.waitForAll()
                }
                try await command.checkOnce(engine)
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
