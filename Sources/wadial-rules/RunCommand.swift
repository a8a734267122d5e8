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
import PostgresState
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

    @Option(help: "The state store: a SQLite file, or postgres://USER@HOST:PORT/DB shared by engines on several machines (default: $WADIAL_STATE, else .wadial-rules/state.sqlite).")
    var state: String?

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
            services.append(.init(service: MetricsServer.application(host: host, port: port, registry: registry, logger: logger, health: {
                await engine.health(at: Date())
            }, status: {
                StatusPage.render(await engine.status(at: Date()), now: Date())
            })))
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
        let location = try stateLocation()
        if sandbox {
            let store = try await openStore(location, rules: rules, logger: logger)
            do {
                try await runWithSandbox(store: store, location: location, registry: registry, logger: logger)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            return
        }
        // The configuration before the state file: a run that cannot start creates nothing.
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        let sessions = try sessions(session, rules: rules, configuration: configuration)
        let store = try await openStore(location, rules: rules, logger: logger)
        let leases = try leaseBook(rules)
        await logStart(rules: rules, sessions: sessions, location: location, leases: leases, store: store, logger: logger)
        defer { logStop(logger: logger) }
        try await withAPIClient(withLimits(configuration, rules, gate: leases), logger: logger) { client in
            let engine = Engine(rules: rules, options: engineOptions(sessions: sessions, rules: rules, leases: leases), client: client, store: store,
                                clock: ContinuousClock(), logger: logger)
            let group = ServiceGroup(configuration: Self.bounded(.init(
                services: [.init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)]
                    + companions(for: engine, environment: ProcessInfo.processInfo.environment, registry: registry, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)))
            do {
                try await group.run()
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            try await checkOnce(engine)
        }
    }

    /// `--state`, `$WADIAL_STATE`, or the default file (`--sandbox` keeps its own).
    func stateLocation() throws -> StateLocation {
        let location = try StateLocation.resolve(state)
        if sandbox, location.isDefaultFile { return .file(Self.sandboxStatePath) }
        return location
    }

    /// One active engine per session (not for a dry run, which writes nothing): this process's
    /// lease book, with the rules' lease duration and margin.
    func leaseBook(_ rules: RuleSet) throws -> LeaseBook? {
        guard !dryRun else { return nil }
        let lease = rules.settings.lease
        let local: Bool
        switch ProcessInfo.processInfo.environment["WADIAL_LEASE_LOCAL_TAKEOVER"] {
        case nil, "", "on": local = true
        case "off": local = false
        case let other?: throw fail("WADIAL_LEASE_LOCAL_TAKEOVER is \"\(TextEscaping.truncated(other))\"; expected on or off")
        }
        return LeaseBook(instance: LeaseBook.instanceID(), duration: lease.duration, margin: lease.margin, localTakeover: local)
    }

    /// `--once` exits 1 when any of its ticks failed (the API unreachable, a 401, the state
    /// unwritable): a cron job or a script can tell.
    func checkOnce(_ engine: Engine<ContinuousClock>) async throws {
        guard once else { return }
        let failed = await engine.failedTicks
        if failed > 0 { throw fail("\(failed) tick\(failed == 1 ? "" : "s") failed; the log above says why") }
    }

    /// One line at start: what runs, on what, against which sessions.
    func logStart(rules: RuleSet, sessions: [String], location: StateLocation, leases: LeaseBook?, store: any StateStore, logger: Logger) async {
        let zone = LocalTimeText.zone(rules.settings.timezone)
        let next = await Outlook.nextRuns(rules, store: store, after: Date()).map { run in
            "\(run.rule) " + (run.at.map { LocalTimeText.format($0, in: zone) } ?? "after the first tick")
        }
        var metadata: Logger.Metadata = [
            "version": "\(WadialRules.version)", "rules": "\(rules.rules.count)", "policies": "\(rules.policies.count)",
            "files": "\(rules.files.joined(separator: ","))", "state": "\(dryRun ? "memory (dry run)" : location.description)",
            "sessions": "\(sessions.joined(separator: ","))", "poll": "\(RuleDuration.format(rules.settings.pollInterval))",
        ]
        if !next.isEmpty { metadata["next_runs"] = "\(next.joined(separator: ", "))" }
        if let leases {
            metadata["instance"] = "\(leases.instance)"
            metadata["lease"] = "\(RuleDuration.format(leases.duration))"
        }
        logger.notice("engine starting", metadata: metadata)
    }

    /// One line at stop, with why.
    func logStop(logger: Logger) {
        logger.notice("engine stopped", metadata: ["reason": "\(once ? "--once: one tick per session done" : "stopped (SIGTERM or SIGINT, or the engine ended)")"])
    }

    /// The state store (a notice when a file is new or empty), or memory for a dry run. On
    /// PostgreSQL, a clock off the server's by more than half the lease margin is warned about:
    /// leases compare times of different machines.
    func openStore(_ location: StateLocation, rules: RuleSet, logger: Logger) async throws -> any StateStore {
        guard !dryRun else { return MemoryStateStore() }
        let store = try await location.open(logger: logger)
        if let shared = store as? PostgresStateStore, abs(shared.clockSkew) > rules.settings.lease.margin.seconds / 2 {
            logger.warning("this machine's clock is off the database server's; keep clocks in step (NTP), or lengthen settings.lease.margin", metadata: [
                "skew_s": "\(String(format: "%.1f", shared.clockSkew))", "margin": "\(RuleDuration.format(rules.settings.lease.margin))",
            ])
        }
        return store
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
    func engineOptions(sessions: [String], rules: RuleSet, leases: LeaseBook?) -> Engine<ContinuousClock>.Options {
        .init(sessions: sessions, dryRun: dryRun, once: once, afterRound: { ProcessMemory.releaseFree() }, leases: leases,
              retention: rules.settings.retention.store)
    }

    /// `--sandbox` keeps its state apart from a real account's.
    static let sandboxStatePath = ".wadial-rules/sandbox-state.sqlite"

    /// The client's configuration for `run`: the rules' rate limits, and the lease book as the
    /// gate every write asks first.
    func withLimits(_ configuration: WadialConfiguration, _ rules: RuleSet, gate: LeaseBook?) -> WadialConfiguration {
        var configuration = configuration
        configuration.writeGate = gate
        configuration.requestsPerMinute = rules.settings.limits.requestsPerMinute
        configuration.mutationsPerMinute = rules.settings.limits.mutationsPerMinute
        return configuration
    }

    private func runWithSandbox(store: any StateStore, location: StateLocation, registry: PrometheusCollectorRegistry?, logger: Logger) async throws {
        let file = DemoWorld.file()
        let key = "sandbox-key"
        let server = SandboxServer(world: file.world(), apiKey: key)
        var quiet = logger
        quiet.logLevel = .warning
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application(port: 0, logger: quiet) { continuation.yield($0) }
        let engine = SandboxedEngine(ports: ports, key: key, command: self, store: store, location: location, registry: registry, logger: logger)
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
        let location: StateLocation
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
            let leases = try command.leaseBook(rules)
            await command.logStart(rules: rules, sessions: [DemoWorld.session], location: location, leases: leases, store: store, logger: logger)
            defer { command.logStop(logger: logger) }
            try await withAPIClient(command.withLimits(WadialConfiguration(baseURL: base, apiKey: APIKey(key)), rules, gate: leases), logger: logger) { client in
                let engine = Engine(rules: rules, options: command.engineOptions(sessions: [DemoWorld.session], rules: rules, leases: leases),
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
