/// A deadline passed before the work was done.
public struct DeadlineExceeded: Error, Sendable {
    public init() {}
}

/// `body`'s result, or `DeadlineExceeded` once `limit` has passed; `body` is then cancelled (an
/// HTTP exchange's connection is closed, so a body that drips one byte a second is not waited for).
/// One helper for every deadline: API exchanges, webhooks, lease keeping, a store's connect.
public func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
        return value
    }
}
