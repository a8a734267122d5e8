import Foundation
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import WadialModels

/// Sends an HTTP POST for the `webhook` action.
public protocol WebhookSender: Sendable {
    func post(url: String, body: String, headers: [String: String]) async throws -> WebhookResponse
}

/// What a webhook's receiver answered.
public struct WebhookResponse: Sendable, Hashable {
    public var status: Int
    /// The `Location` of a redirect, which is never followed.
    public var location: String?

    public init(status: Int, location: String? = nil) {
        self.status = status
        self.location = location
    }
}

/// Webhooks over an HTTP client of their own that follows no redirect: a 3xx is the answer (and
/// a failed delivery), so the rule's headers go only to the URL the rule wrote, and a POST never
/// turns into a GET elsewhere. The deadline covers the whole exchange.
public struct HTTPWebhookSender: WebhookSender {
    /// The deadline of one delivery.
    public static let timeout: Duration = .seconds(10)

    // One for the process, like `HTTPClient.shared`, but with redirects disallowed.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init() {}

    /// A webhook URL that cannot be sent to (after its templates were filled in).
    public struct InvalidURL: Error, CustomStringConvertible {
        public let url: String
        public let problem: String
        public var description: String { "webhook URL \(TextEscaping.quoted(url)) \(problem)" }
    }

    public func post(url: String, body: String, headers: [String: String]) async throws -> WebhookResponse {
        if let problem = HTTPURLCheck.problem(url, base: false) { throw InvalidURL(url: url, problem: problem) }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if request.headers["Content-Type"].isEmpty { request.headers.add(name: "Content-Type", value: "application/json") }
        request.headers.add(name: "User-Agent", value: "wadial-rules")
        request.body = .bytes(ByteBuffer(string: body))
        let client = Self.client
        let prepared = request
        do {
            return try await withDeadline(Self.timeout) {
                let response = try await client.execute(prepared, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                return WebhookResponse(status: Int(response.status.code), location: response.headers.first(name: "Location"))
            }
        } catch is DeadlineExceeded {
            throw Undelivered(url: url, reason: "no answer within \(HTTPWadialClient.describe(Self.timeout))")
        } catch {
            throw Undelivered(url: url, reason: HTTPWadialClient.classify(error, isWrite: true).message)
        }
    }

    /// A delivery that got no answer, in plain words: where to (scheme, host and port only: a
    /// webhook's path and query often hold its secret token) and what happened.
    public struct Undelivered: Error, CustomStringConvertible {
        public let target: String
        public let reason: String

        init(url: String, reason: String) {
            let components = URLComponents(string: url)
            let host = components?.host ?? "?"
            target = (components?.scheme ?? "http") + "://" + host + (components?.port.map { ":\($0)" } ?? "")
            self.reason = reason
        }

        public var description: String { "the webhook to \(TextEscaping.visible(target)) was not delivered: \(reason)" }
    }
}
