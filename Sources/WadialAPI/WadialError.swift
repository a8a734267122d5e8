/// Everything that can go wrong talking to the WADial API. The API key never appears in one.
public struct WadialError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The API answered with an error status.
        case status
        /// No connection could be made; nothing was sent.
        case connect
        /// The request may have reached the API but no complete answer came back: a write's
        /// outcome is unknown and must be reconciled before it is sent again.
        case outcomeUnknown
        /// No answer within the deadline.
        case timeout
        /// The answer was not the JSON we expect.
        case decoding
        /// Writes are paused after repeated failures.
        case circuitOpen
        /// The arguments cannot form a request (a bad JID, an empty list).
        case invalidRequest
        /// Not sent: this engine may not write for the session now (another engine holds its
        /// lease, or this engine's lease is about to end).
        case notPermitted
    }

    public let kind: Kind
    /// HTTP status, for `.status`.
    public let status: Int?
    /// The API's own error code, when it sent one.
    public let code: String?
    public let message: String
    /// Seconds the API asked us to wait (`Retry-After`).
    public let retryAfter: Double?

    public init(kind: Kind, status: Int? = nil, code: String? = nil, message: String, retryAfter: Double? = nil) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public static func status(_ status: Int, code: String?, message: String, retryAfter: Double? = nil) -> WadialError {
        .init(kind: .status, status: status, code: code, message: message, retryAfter: retryAfter)
    }

    public static func decoding(_ message: String) -> WadialError { .init(kind: .decoding, message: message) }
    public static func invalidRequest(_ message: String) -> WadialError { .init(kind: .invalidRequest, message: message) }

    /// Bounded, for metric labels and log keys: `status_404`, `connect`, `timeout`.
    public var shortDescription: String {
        if kind == .status, let status { return "status_\(status)" }
        return kind.rawValue
    }

    public var description: String {
        var text = "WADial API: "
        if let status { text += "HTTP \(status)" + (code.map { " \($0)" } ?? "") + ": " }
        text += message
        if let retryAfter { text += " (retry after \(retryAfter)s)" }
        return text
    }
}
