import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Sends an HTTP POST for the `webhook` action.
public protocol WebhookSender: Sendable {
    /// Returns the HTTP status.
    func post(url: String, body: String, headers: [String: String]) async throws -> Int
}

/// Webhooks over the process's shared HTTP client, with a 10 s deadline.
public struct HTTPWebhookSender: WebhookSender {
    public init() {}

    public func post(url: String, body: String, headers: [String: String]) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if request.headers["Content-Type"].isEmpty { request.headers.add(name: "Content-Type", value: "application/json") }
        request.headers.add(name: "User-Agent", value: "wadial-rules")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try? await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }
}
