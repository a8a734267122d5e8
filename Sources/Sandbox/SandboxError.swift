/// An error the simulated API answers with: status, API code and message, as the real one does.
public struct SandboxError: Error, Sendable, Hashable {
    public let status: Int
    public let code: String
    public let message: String

    public init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func notFound(_ what: String) -> SandboxError { .init(404, "NOT_FOUND", what) }
    static func badRequest(_ message: String) -> SandboxError { .init(400, "BAD_REQUEST", message) }
}
