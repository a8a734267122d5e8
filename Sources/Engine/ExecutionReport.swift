public import State

/// What one execution did, for logs, metrics and tests.
public struct ExecutionReport: Sendable {
    public var entries: [AuditEntry] = []
    public var writes = 0
    public var failures = 0
    /// Why the tick's state could not be written (nothing was sent then).
    public var stateFailure: String?
    /// The hand-offs this execution delivered (or tried): not resumed again in the same tick.
    public var handOffs: Set<String> = []
}
