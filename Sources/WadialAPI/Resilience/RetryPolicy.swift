/// Exponential backoff with jitter, honouring `Retry-After`.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The longest `Retry-After` we wait out; a longer one is capped to this.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10), maxRetryAfter: Duration = .seconds(60)) {
        self.maxAttempts = max(maxAttempts, 1)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1` (attempts count from 1); `unit` is a random number
    /// in 0..<1. `Retry-After` wins when given; otherwise base * 2^(attempt-1), capped, and
    /// jittered between half and all of it so that clients do not retry in step.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, unit: Double) -> Duration {
        if let retryAfter { return .milliseconds(Int64(min(max(retryAfter, 0), maxRetryAfter.seconds) * 1000)) }
        let exponential = baseDelay.seconds * Double(1 << min(max(attempt - 1, 0), 20))
        let capped = min(exponential, maxDelay.seconds)
        return .milliseconds(Int64(capped * (0.5 + 0.5 * unit) * 1000))
    }
}
