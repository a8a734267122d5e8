import AsyncHTTPClient
import Foundation
public import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix

/// The WADial API over HTTP, shared by every rule: one connection pool, one rate limiter, one
/// circuit breaker for writes.
///
/// Reads are retried on timeouts, connection errors, 5xx and 429 with backoff and jitter,
/// honouring `Retry-After`. Writes are retried only when nothing was sent (the connection could
/// not be made) or when the API refused them with 429/503 and a `Retry-After`; any other failed
/// write is reported, as `.outcomeUnknown` when it may have reached the API, and never re-sent.
public final class HTTPWadialClient: WadialTransport {
    public let configuration: WadialConfiguration
    private let http: HTTPClient
    private let limiter: RateLimiter
    private let breaker: BreakerBox
    private let logger: Logger

    public init(configuration: WadialConfiguration, logger: Logger = Logger(label: "wadial.api")) {
        self.configuration = configuration
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(5), read: .seconds(Int64(configuration.requestTimeout.seconds.rounded(.up))))
        config.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        limiter = RateLimiter(requestsPerMinute: configuration.requestsPerMinute, mutationsPerMinute: configuration.mutationsPerMinute)
        breaker = BreakerBox(CircuitBreaker(threshold: configuration.breakerThreshold, cooldown: configuration.breakerCooldown))
        self.logger = logger
    }

    /// Closes the connection pool. Every client must be shut down before it is released.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: - Transport

    /// Path segments are percent-encoded: `@` becomes `%40`.
    static func encode(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: Data
    }

    public func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
        try await call(request, session: session)
    }

    private func call(_ request: WadialRequest, session: String) async throws(WadialError) -> JSONValue {
        guard !session.isEmpty else { throw .invalidRequest("no session id: set WADIAL_SESSION_ID or name sessions in the rules") }
        let url = configuration.baseURL + "/api/v1/sessions/" + ([session] + request.segments).map(Self.encode).joined(separator: "/")
        let operation = request.operation
        let method = HTTPMethod(rawValue: request.method)
        let body = request.body
        let isWrite = operation.isWrite
        if isWrite, let wait = await breaker.permit() {
            Counter(label: "wadial_api_calls_total", dimensions: [("operation", operation.rawValue), ("status", "circuit_open")]).increment()
            throw WadialError(kind: .circuitOpen, message: "writes are paused for \(Int(wait.rounded(.up)))s after repeated failures")
        }
        var attempt = 0
        while true {
            attempt += 1
            let waited = await limiter.acquire(write: isWrite)
            if waited > 0 {
                Counter(label: "wadial_api_limiter_waits_total", dimensions: [("kind", isWrite ? "mutation" : "request")]).increment()
            }
            let started = ContinuousClock.now
            let failure: WadialError
            var retryable: Bool
            do {
                let answer = try await send(method, url, body)
                record(operation, status: String(answer.status), since: started)
                if (200..<300).contains(answer.status) {
                    if isWrite { await breaker.success() }
                    return try Self.payload(answer.body, status: answer.status, isWrite: isWrite)
                }
                failure = Self.apiError(answer)
                let refusedWithRetryAfter = (answer.status == 429 || answer.status == 503) && failure.retryAfter != nil
                retryable = isWrite ? refusedWithRetryAfter : (answer.status == 429 || answer.status >= 500)
                if isWrite, answer.status >= 500, !refusedWithRetryAfter { await breaker.failure(logger: logger) }
            } catch let transport {
                let classified = Self.classify(transport, isWrite: isWrite)
                record(operation, status: classified.shortDescription, since: started)
                failure = classified
                // Nothing was sent when the connection could not be made: safe for writes too.
                retryable = !isWrite || classified.kind == .connect
                if isWrite, classified.kind != .connect { await breaker.failure(logger: logger) }
            }
            guard retryable, attempt < configuration.retry.maxAttempts else {
                logger.warning("api call failed", metadata: [
                    "operation": "\(operation.rawValue)", "error": "\(failure.shortDescription)", "attempts": "\(attempt)",
                ])
                throw failure
            }
            let delay = configuration.retry.delay(afterAttempt: attempt, retryAfter: failure.retryAfter, unit: Double.random(in: 0..<1))
            Counter(label: "wadial_api_retries_total", dimensions: [("operation", operation.rawValue)]).increment()
            logger.debug("api call retried", metadata: [
                "operation": "\(operation.rawValue)", "error": "\(failure.shortDescription)", "attempt": "\(attempt)",
                "delay_ms": "\(Int(delay.seconds * 1000))",
            ])
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw failure
            }
        }
    }

    private func send(_ method: HTTPMethod, _ url: String, _ body: JSONValue?) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer " + configuration.apiKey.secret)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "wadial-rules")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(body.encoded())))
        }
        let deadline = NIODeadline.now() + .milliseconds(Int64(configuration.requestTimeout.seconds * 1000))
        let response = try await http.execute(request, deadline: deadline)
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    private func record(_ operation: WadialOperation, status: String, since started: ContinuousClock.Instant) {
        Counter(label: "wadial_api_calls_total", dimensions: [("operation", operation.rawValue), ("status", status)]).increment()
        Timer(label: "wadial_api_call_duration_seconds", dimensions: [("operation", operation.rawValue)])
            .recordNanoseconds(Int64((ContinuousClock.now - started).seconds * 1e9))
    }

    /// `{"data": X}` is X; a success without a body is null. A read with a garbled body fails;
    /// a write with one succeeded all the same and yields null.
    static func payload(_ body: Data, status: Int, isWrite: Bool) throws(WadialError) -> JSONValue {
        if body.isEmpty || body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }) { return .null }
        guard let json = JSONValue.parse(body) else {
            if isWrite { return .null }
            throw .decoding("HTTP \(status) with a body that is not JSON")
        }
        if case .object(let object) = json, let data = object["data"] { return data }
        return json
    }

    /// `{"error": {"code", "message"}}`, `{"error": "text"}` or `{"message"}`, with `Retry-After`.
    static func apiError(_ answer: Answer) -> WadialError {
        let json = JSONValue.parse(answer.body)
        let error = json?["error"]
        let code = error?["code"]?.string ?? json?["code"]?.string
        let message = error?["message"]?.string ?? error?.string ?? json?["message"]?.string
            ?? HTTPResponseStatus(statusCode: answer.status).reasonPhrase
        return .status(answer.status, code: code, message: message, retryAfter: answer.headers.first(name: "Retry-After").flatMap(Self.retryAfterSeconds))
    }

    /// Seconds, or an HTTP date.
    static func retryAfterSeconds(_ value: String) -> Double? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max($0.timeIntervalSinceNow, 0) }
    }

    static func classify(_ error: any Error, isWrite: Bool) -> WadialError {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout:
                return WadialError(kind: .connect, message: "could not connect: \(error.shortDescription)")
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return WadialError(kind: isWrite ? .outcomeUnknown : .timeout, message: "no answer in time: \(error.shortDescription)")
            default:
                return WadialError(kind: isWrite ? .outcomeUnknown : .timeout, message: "the connection failed: \(error.shortDescription)")
            }
        }
        if error is NIOConnectionError {
            return WadialError(kind: .connect, message: "could not connect")
        }
        if let io = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(io.errnoCode) {
            return WadialError(kind: .connect, message: "could not connect")
        }
        return WadialError(kind: isWrite ? .outcomeUnknown : .timeout, message: "the connection failed")
    }
}
