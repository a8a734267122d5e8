public import Foundation
import WadialModels

/// The API key, which never prints: its description and dump are `<redacted>`.
public struct APIKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Only for the Authorization header.
    public let secret: String

    public init(_ secret: String) {
        self.secret = secret
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// How to reach the API, from the environment: `WADIAL_BASE_URL` (default
/// `https://api.wadial.com`), `WADIAL_API_KEY` or `WADIAL_API_KEY_FILE`, `WADIAL_SESSION_ID`.
public struct WadialConfiguration: Sendable {
    public var baseURL: String
    public var apiKey: APIKey
    public var sessionID: String?
    /// Deadline of one HTTP attempt.
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    public var requestsPerMinute: Int
    public var mutationsPerMinute: Int
    public var breakerThreshold: Int
    public var breakerCooldown: Duration
    /// When set, every write attempt first asks it (the engine's leases); nil sends freely.
    public var writeGate: (any WriteGate)?

    public init(
        baseURL: String = "https://api.wadial.com", apiKey: APIKey, sessionID: String? = nil, requestTimeout: Duration = .seconds(15),
        retry: RetryPolicy = RetryPolicy(), requestsPerMinute: Int = 120, mutationsPerMinute: Int = 20,
        breakerThreshold: Int = 5, breakerCooldown: Duration = .seconds(60)
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.sessionID = sessionID
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.requestsPerMinute = requestsPerMinute
        self.mutationsPerMinute = mutationsPerMinute
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
    }

    public struct MissingKey: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the environment. The key file's content is trimmed of surrounding white space.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WadialConfiguration {
        var key = APIKeySource.fromVariable(environment)
        if key == nil, let path = APIKeySource.filePath(environment) {
            guard let read = APIKeySource.readFile(path) else {
                throw MissingKey(description: "WADIAL_API_KEY_FILE names \(TextEscaping.visible(path)), which cannot be read")
            }
            key = read
        }
        guard let key, !key.isEmpty else {
            throw MissingKey(description: "no API key: set WADIAL_API_KEY, or WADIAL_API_KEY_FILE to a file holding it")
        }
        let base = environment["WADIAL_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.wadial.com"
        if let problem = HTTPURLCheck.problem(base) {
            throw MissingKey(description: "WADIAL_BASE_URL \"\(TextEscaping.quoted(base))\" \(problem); expected something like https://api.wadial.com")
        }
        return WadialConfiguration(
            baseURL: base,
            apiKey: APIKey(key),
            sessionID: environment["WADIAL_SESSION_ID"].flatMap { $0.isEmpty ? nil : $0 })
    }
}
