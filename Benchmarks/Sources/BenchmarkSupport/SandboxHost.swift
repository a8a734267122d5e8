import Foundation
import Logging
import Sandbox
import ServiceLifecycle

/// The sandbox server in the benchmark's own process, on a free loopback port, so that the
/// benchmark can read its world and call log directly while the engine talks to it over HTTP.
public enum SandboxHost {
    /// The key the sandbox expects (a demo value, not a secret).
    public static let apiKey = "bench-key"

    public static let quietLogger: Logger = {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        return logger
    }()

    struct NoPort: Error {}

    /// Serves `world` while `body` runs with the bound port; then stops the server with a graceful
    /// shutdown, whatever `body` did.
    public static func serve<T: Sendable>(_ world: SandboxWorld, _ body: (Int) async throws -> T) async throws -> T {
        let server = SandboxServer(world: world, apiKey: apiKey)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application(host: "127.0.0.1", port: 0, logger: quietLogger, onRunning: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw NoPort() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(port))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Waits until `condition` holds, checking every `interval`; false when `timeout` passes first.
    public static func wait(
        timeout: Duration, interval: Duration = .milliseconds(20), until condition: @Sendable () async -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try await Task.sleep(for: interval)
        }
        return await condition()
    }
}
