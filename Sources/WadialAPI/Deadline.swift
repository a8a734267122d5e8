/// The deadline of a whole exchange passed (connection, headers and body).
struct DeadlineExceeded: Error {}

/// `body`'s result, or `DeadlineExceeded` once `limit` has passed; `body` is then cancelled, which
/// closes its connection (a body that drips one byte a second is not waited for).
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
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
