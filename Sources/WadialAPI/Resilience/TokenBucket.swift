/// A token bucket: `capacity` tokens, refilled evenly at `capacity` per `period`.
///
/// A pure state machine over elapsed time; `RateLimiter` drives it with a real clock.
public struct TokenBucket: Sendable, Hashable {
    public let capacity: Double
    public let refillPerSecond: Double
    private var tokens: Double
    private var updatedAt: Double

    public init(capacity: Int, per period: Duration = .seconds(60), now: Double = 0) {
        self.capacity = Double(max(capacity, 1))
        self.refillPerSecond = self.capacity / max(period.seconds, 0.001)
        self.tokens = self.capacity
        self.updatedAt = now
    }

    /// Takes a token at `now` (seconds on any monotonic scale) and returns how long the caller
    /// must wait before acting: zero when a token was free, else until its token is refilled.
    /// Waiting callers queue: each later caller waits behind the earlier ones.
    public mutating func take(at now: Double) -> Double {
        if now > updatedAt {
            tokens = min(capacity, tokens + (now - updatedAt) * refillPerSecond)
            updatedAt = now
        }
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / refillPerSecond
    }

    /// Tokens left after the last take: below zero, that many callers are queued for a token.
    public var available: Double { tokens }
}

extension Duration {
    /// As a floating-point number of seconds.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Whole milliseconds, saturating instead of overflowing, for logs and messages.
    public var wholeMilliseconds: Int64 {
        let (whole, overflow) = components.seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? (components.seconds < 0 ? .min : .max) : whole.addingReportingOverflow(components.attoseconds / 1_000_000_000_000_000).partialValue
    }
}
