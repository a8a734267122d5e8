import AsyncHTTPClient
import Foundation
public import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import WadialModels

/// The WADial API over HTTP, shared by every rule: one connection pool, one rate limiter, one
/// circuit breaker for writes.
///
/// Reads are retried on timeouts, connection errors, 5xx and 429 with backoff and jitter,
/// honouring `Retry-After`. Writes are retried only when nothing was sent (the connection could
/// not be made) or when the API refused them with 429/503 and a `Retry-After`; any other failed
/// write is reported, as `.outcomeUnknown` when it may have reached the API, and never re-sent.
///
/// The deadline of an attempt covers the whole exchange, headers and body; the body is read up
/// to `maximumBodySize` and no further. An answer that is not JSON (not UTF-8, nested too deep,
/// too large) is a `.decoding` error: a read is tried once more, a write is `.outcomeUnknown`
/// (it may have been applied). Retry pauses end early on graceful shutdown, and no retry starts
/// after it. Text the API sends back is scrubbed of the key before it is logged or thrown.
public final class HTTPWadialClient: WadialTransport {
    public let configuration: WadialConfiguration
    private let http: HTTPClient
    private let limiter: RateLimiter
    private let breaker: BreakerBox
    private let logger: Logger

    public init(configuration: WadialConfiguration, logger: Logger = Logger(label: "wadial.api")) {
        self.configuration = configuration
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(5), read: .seconds(Self.secondsCeiling(configuration.requestTimeout)))
        config.redirectConfiguration = .disallow
        // Our retries decide; AsyncHTTPClient's own reconnecting would stack under them.
        config.connectionPool.retryConnectionEstablishment = false
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

    /// Path segments are percent-encoded: `@` becomes `%40`, `/` and `?` stay inside the segment.
    static func encode(_ segment: String) -> String { TextEscaping.urlComponent(segment) }

    /// The largest answer read; a larger one is a decoding error (a read is tried once more).
    public static let maximumBodySize = 16 << 20

    /// Logs each skipped entry of a list answer at warning level.
    public func reportSkipped(_ entries: [SkippedEntry]) {
        for entry in entries { entry.log(to: logger, scrub: scrub) }
    }

    /// An answer's bytes without the API key: whatever the API echoes (an error message, a
    /// subject) is never logged, stored or printed with the key in it.
    func scrub(_ body: Data) -> Data {
        let key = Data(configuration.apiKey.secret.utf8)
        guard !key.isEmpty, body.range(of: key) != nil else { return body }
        var scrubbed = body
        let redacted = Data("<redacted>".utf8)
        while let range = scrubbed.range(of: key) { scrubbed.replaceSubrange(range, with: redacted) }
        return scrubbed
    }

    /// A decoded answer without the API key in any of its texts.
    func scrub(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(scrub(text))
        case .array(let items): .array(items.map(scrub))
        case .object(let object): .object(Dictionary(object.map { (scrub($0.key), scrub($0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: value
        }
    }

    /// `text` without the API key, wherever it appears (an error message that echoes it).
    func scrub(_ text: String) -> String {
        let key = configuration.apiKey.secret
        guard !key.isEmpty, text.contains(key) else { return text }
        return text.replacingOccurrences(of: key, with: "<redacted>")
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
        // `.` and `..` would climb out of /sessions/ once the URL is normalised.
        guard session != ".", session != ".." else { throw .invalidRequest("\"\(session)\" is not a session id") }
        if let problem = HTTPURLCheck.problem(configuration.baseURL) {
            throw .invalidRequest("the base URL \(TextEscaping.quoted(configuration.baseURL)) \(problem)")
        }
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
        var decodingRetried = false
        while true {
            attempt += 1
            let waited: Double
            do {
                waited = try await limiter.acquire(write: isWrite)
            } catch {
                throw WadialError(kind: .connect, message: "not sent: the engine is stopping")
            }
            if waited > 0 {
                Counter(label: "wadial_api_limiter_waits_total", dimensions: [("kind", isWrite ? "mutation" : "request")]).increment()
            }
            var timeout = configuration.requestTimeout
            if isWrite, let gate = configuration.writeGate {
                guard let window = await gate.window(session: session) else {
                    Counter(label: "wadial_api_calls_total", dimensions: [("operation", operation.rawValue), ("status", "not_permitted")]).increment()
                    throw WadialError(kind: .notPermitted, message: "not sent: this engine does not hold the lease of session \(TextEscaping.quoted(session)) now")
                }
                timeout = min(timeout, window)
            }
            let started = ContinuousClock.now
            let failure: WadialError
            var retryable: Bool
            switch await exchange(method, url, body, isWrite: isWrite, timeout: timeout) {
            case .answered(let answer):
                record(operation, status: String(answer.status), since: started)
                if (200..<300).contains(answer.status) {
                    switch Self.payload(answer.body, status: answer.status) {
                    case .success(let payload):
                        if isWrite { await breaker.success() }
                        // The raw bytes were scrubbed; a key written with JSON escapes
                        // (`\u0073k-…`, `\/`) only shows once decoded.
                        return answer.body.contains(UInt8(ascii: "\\")) ? scrub(payload) : payload
                    case .failure(let problem):
                        // A write was answered 2xx: it happened, but what it returned is unknown.
                        failure = WadialError(kind: isWrite ? .outcomeUnknown : .decoding, status: answer.status, message: problem.description)
                        retryable = !isWrite && !decodingRetried
                        decodingRetried = true
                    }
                } else {
                    failure = scrubbed(Self.apiError(answer))
                    let refusedWithRetryAfter = (answer.status == 429 || answer.status == 503) && failure.retryAfter != nil
                    retryable = isWrite ? refusedWithRetryAfter : (answer.status == 429 || answer.status >= 500)
                    if isWrite, answer.status >= 500, !refusedWithRetryAfter { await breaker.failure(logger: logger) }
                }
            case .failed(let classified):
                record(operation, status: classified.shortDescription, since: started)
                failure = classified
                switch classified.kind {
                case .connect:
                    // Nothing was sent when the connection could not be made: safe for writes too.
                    retryable = true
                case .decoding:
                    retryable = !isWrite && !decodingRetried
                    decodingRetried = true
                default:
                    retryable = !isWrite
                }
                if isWrite, classified.kind != .connect { await breaker.failure(logger: logger) }
            }
            guard retryable, attempt < configuration.retry.maxAttempts, !Task.isShuttingDownGracefully else {
                logger.warning("api call failed", metadata: [
                    "operation": "\(operation.rawValue)", "error": "\(failure.shortDescription)", "attempts": "\(attempt)",
                ])
                throw failure
            }
            let delay = configuration.retry.delay(afterAttempt: attempt, retryAfter: failure.retryAfter, unit: Double.random(in: 0..<1))
            Counter(label: "wadial_api_retries_total", dimensions: [("operation", operation.rawValue)]).increment()
            logger.debug("api call retried", metadata: [
                "operation": "\(operation.rawValue)", "error": "\(failure.shortDescription)", "attempt": "\(attempt)",
                "delay_ms": "\(delay.wholeMilliseconds)",
            ])
            // The pause ends early on graceful shutdown (and then no retry is made).
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                throw failure
            }
            if Task.isShuttingDownGracefully { throw failure }
        }
    }

    /// How one attempt went: an answer (any status) or a failure to get one.
    enum Exchange {
        case answered(Answer)
        case failed(WadialError)
    }

    /// One attempt, its deadline covering connection, headers and the whole body.
    ///
    /// On graceful shutdown a read in flight is abandoned at once (nothing is lost); a write runs
    /// to its answer or its deadline, so that its outcome is known or journaled as unknown.
    private func exchange(_ method: HTTPMethod, _ url: String, _ body: JSONValue?, isWrite: Bool, timeout: Duration) async -> Exchange {
        do {
            let attempt: @Sendable () async throws -> Answer = { try await withDeadline(timeout) { try await self.send(method, url, body) } }
            return .answered(isWrite ? try await attempt() : try await cancelWhenGracefulShutdown(attempt))
        } catch is CancellationError where !isWrite && Task.isShuttingDownGracefully {
            return .failed(WadialError(kind: .timeout, message: "abandoned: the engine is stopping"))
        } catch is DeadlineExceeded {
            return .failed(WadialError(kind: isWrite ? .outcomeUnknown : .timeout, message: "no complete answer within \(Self.describe(timeout))"))
        } catch let tooLarge as NIOTooManyBytesError {
            _ = tooLarge
            return .failed(WadialError(kind: isWrite ? .outcomeUnknown : .decoding, message: "the answer is larger than \(Self.maximumBodySize >> 20) MiB"))
        } catch {
            return .failed(Self.classify(error, isWrite: isWrite))
        }
    }

    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    private func scrubbed(_ error: WadialError) -> WadialError {
        WadialError(kind: error.kind, status: error.status, code: error.code.map(scrub), message: scrub(error.message), retryAfter: error.retryAfter)
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
        let response = try await http.execute(request, timeout: .seconds(Int64(Self.secondsCeiling(configuration.requestTimeout))))
        let bytes = try await response.body.collect(upTo: Self.maximumBodySize)
        return Answer(status: Int(response.status.code), headers: response.headers, body: scrub(Data(bytes.readableBytesView)))
    }

    /// Whole seconds, rounded up, at least 1 and at most a day.
    static func secondsCeiling(_ duration: Duration) -> Int64 {
        let seconds = duration.components.seconds + (duration.components.attoseconds > 0 ? 1 : 0)
        return min(max(seconds, 1), 86_400)
    }

    private func record(_ operation: WadialOperation, status: String, since started: ContinuousClock.Instant) {
        Counter(label: "wadial_api_calls_total", dimensions: [("operation", operation.rawValue), ("status", status)]).increment()
        Timer(label: "wadial_api_call_duration_seconds", dimensions: [("operation", operation.rawValue)])
            .recordNanoseconds(Int64((ContinuousClock.now - started).seconds * 1e9))
    }

    /// `{"data": X}` is X; a success without a body is null; otherwise why the body is not JSON.
    struct UnreadableBody: Error, CustomStringConvertible {
        let description: String
    }

    static func payload(_ body: Data, status: Int) -> Result<JSONValue, UnreadableBody> {
        if body.isEmpty || body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }) { return .success(.null) }
        switch JSONValue.parseChecked(body) {
        case .success(let json):
            if case .object(let object) = json, let data = object["data"] { return .success(data) }
            return .success(json)
        case .failure(let problem):
            return .failure(UnreadableBody(description: "HTTP \(status), \(body.count) bytes: \(problem)"))
        }
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

    /// Seconds, or an HTTP date; nil for anything else (`inf`, `nan`, a negative number). Waits
    /// are capped later (`RetryPolicy.maxRetryAfter`).
    static func retryAfterSeconds(_ value: String) -> Double? {
        guard value.utf8.count <= 64 else { return nil }
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)) { return seconds.isFinite && seconds >= 0 ? seconds : nil }
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

extension HTTPWadialClient: BudgetReporting {
    public func spareRequestShare() async -> Double { await limiter.spareShare() }
}
