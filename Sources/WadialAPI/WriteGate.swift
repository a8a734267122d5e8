/// Asked before every write attempt, after the rate limiter's wait and right before the request
/// goes out: how long the write may take for the session, or nil when it must not be sent at all
/// (this engine does not hold the session's lease, or too little of it is left). The attempt's
/// deadline is then the shorter of the request timeout and that window, so that a write never
/// outlives the lease it was sent under.
public protocol WriteGate: Sendable {
    func window(session: String) async -> Duration?
}

/// A client that can say how much of its request budget is free, so that optional reads (the
/// engine's re-reads of busy groups between ticks) are made only with budget to spare.
public protocol BudgetReporting: Sendable {
    /// The share of the request budget free now, from 1 (all) down (0 or less: calls wait).
    func spareRequestShare() async -> Double
}
