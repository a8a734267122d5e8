// Public: the conformances below make types of other modules arguments.
public import ArgumentParser
import Foundation
import Logging
import Sandbox
import ServiceLifecycle
import WadialAPI
import WadialModels
import UnixSignals

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve the simulated WADial API (no account needed).",
        discussion: """
            Serves an in-memory world on the API's paths until SIGINT or SIGTERM. Without --world it \
            serves the demo world: the example rules' groups, with join requests arriving every few \
            seconds. Point the other commands at it with the variables it prints.
            """
    )

    @Option(help: "Address to bind; loopback by default.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8089

    @Option(help: "World file (YAML) to serve instead of the demo world.")
    var world: String?

    @Option(help: "The key clients must send (a demo key, not a secret).")
    var key = "sandbox-key"

    @Option(help: "Share of calls answered 500/503 (0-1).")
    var faultRate = 0.0

    @Option(help: "Share of calls answered 429 with Retry-After (0-1).")
    var throttleRate = 0.0

    @Option(help: "Retry-After seconds on 429.")
    var retryAfter = 1

    @Option(help: "Share of calls whose connection is dropped (0-1).")
    var dropRate = 0.0

    @Option(help: "Share of calls answered with a body that is not JSON (0-1).")
    var malformedRate = 0.0

    @Option(help: "Milliseconds added to every call.")
    var latency = 0

    @Option(help: "Seed of the random faults.")
    var seed: UInt64 = 1

    @Option(help: "Stale-list mode: how long decided requests stay listed, like 5s (default: none).")
    var staleRequests: String?

    @Option(help: "The webhook sink (/hooks/...) fails this many of its first deliveries with HTTP 500.")
    var failHooks = 0

    @Option(help: "Field spelling of answers: primary or alternate.")
    var fieldStyle: SandboxWorld.FieldStyle = .primary

    func validate() throws {
        for (name, rate) in [("--fault-rate", faultRate), ("--throttle-rate", throttleRate), ("--drop-rate", dropRate), ("--malformed-rate", malformedRate)]
        where !(0...1).contains(rate) {
            throw ValidationError("\(name) must be between 0 and 1")
        }
        guard faultRate + throttleRate + dropRate + malformedRate <= 1 else { throw ValidationError("the fault rates add up to more than 1") }
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535; found \(port)") }
        guard (0...3600).contains(retryAfter) else { throw ValidationError("--retry-after takes 0 to 3600 seconds; found \(retryAfter)") }
        guard (0...60_000).contains(latency) else { throw ValidationError("--latency takes 0 to 60000 milliseconds; found \(latency)") }
        guard (0...1_000_000).contains(failHooks) else { throw ValidationError("--fail-hooks takes 0 to 1000000; found \(failHooks)") }
        if let staleRequests, RuleDuration.seconds(staleRequests) == nil {
            throw ValidationError("--stale-requests takes a duration like 5s or 2m; found \"\(staleRequests)\"")
        }
    }

    func run() async throws {
        var file: WorldFile
        if let world {
            do {
                file = try WorldFile.load(path: world)
            } catch {
                printError("\(error)")
                throw Exit.failure
            }
        } else {
            file = DemoWorld.file()
        }
        if let staleRequests, let seconds = RuleDuration.seconds(staleRequests) { file.staleListing = .seconds(seconds) }
        if failHooks > 0 { file.failingHooks = failHooks }
        let faults = FaultInjector(
            rates: .init(errorRate: faultRate, throttleRate: throttleRate, retryAfterSeconds: retryAfter, dropRate: dropRate,
                         malformedRate: malformedRate, latency: .milliseconds(latency)),
            seed: seed)
        let server = SandboxServer(world: file.world(), apiKey: key, faults: faults, style: fieldStyle)
        var logger = Logger(label: "wadial.sandbox")
        logger.logLevel = .warning
        let sessions = file.sessions.map(\.id)
        let app = server.application(host: host, port: port, logger: logger) { [host] boundPort in
            // Written straight to the file handle: unbuffered, so a pipe sees it at once.
            let session = TextEscaping.visible(sessions.first ?? WorldFile.defaultSession)
            StandardStreams.out("""
                sandbox: serving the WADial API at http://\(host):\(boundPort) (Ctrl-C stops it)
                  export WADIAL_BASE_URL=http://\(host):\(boundPort)
                  export WADIAL_API_KEY=\(TextEscaping.visible(key))        # the sandbox's demo key
                  export WADIAL_SESSION_ID=\(session)

                """)
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension SandboxWorld.FieldStyle: ExpressibleByArgument {}
