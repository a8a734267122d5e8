import Logging
import Sandbox
import ServiceLifecycle
import Testing
import WadialAPI

/// The API key test servers expect (a realistic shape, so that redaction checks mean something).
public let testKey = "sk-test-7f3a9c1e5b"

/// A logger that keeps quiet below critical, for servers and clients under test.
public let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// Runs `body` with a sandbox server on a free loopback port and an HTTP client pointed at it;
/// the server stops with graceful shutdown afterwards.
@discardableResult
public func withSandboxServer<T: Sendable>(
    world: SandboxWorld, faults: FaultInjector = FaultInjector(), style: SandboxWorld.FieldStyle = .primary,
    retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)),
    requestTimeout: Duration = .seconds(5), breakerThreshold: Int = 5, key: String = testKey, clientLogger: Logger = quietLogger,
    _ body: @Sendable (HTTPWadialClient, Int) async throws -> T
) async throws -> T {
    let server = SandboxServer(world: world, apiKey: key, faults: faults, style: style)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let app = server.application(port: 0, logger: quietLogger, onRunning: { continuation.yield($0) })
    let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let client = HTTPWadialClient(
            configuration: WadialConfiguration(
                baseURL: "http://127.0.0.1:\(port)", apiKey: APIKey(key), requestTimeout: requestTimeout, retry: retry,
                requestsPerMinute: 100_000, mutationsPerMinute: 100_000, breakerThreshold: breakerThreshold),
            logger: clientLogger)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(client, port))
        } catch {
            result = .failure(error)
        }
        try await client.shutdown()
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}
