import Foundation
import Metrics
import ServiceLifecycle

/// Client-side budgets: every call takes a request token; writes also take a mutation token.
actor RateLimiter {
    private var requests: TokenBucket
    private var mutations: TokenBucket
    private let start = ContinuousClock.now

    init(requestsPerMinute: Int, mutationsPerMinute: Int) {
        requests = TokenBucket(capacity: requestsPerMinute)
        mutations = TokenBucket(capacity: mutationsPerMinute)
    }

    /// The share of the request budget free now (1: all of it, 0 or less: callers wait).
    func spareShare() -> Double {
        var probe = requests
        _ = probe.take(at: (ContinuousClock.now - start).seconds)
        return (probe.available + 1) / probe.capacity
    }

    /// Waits for the tokens; returns the seconds waited. Throws when graceful shutdown (or
    /// cancellation) ends the wait: the call is then not made.
    func acquire(write: Bool) async throws -> Double {
        let now = (ContinuousClock.now - start).seconds
        var wait = requests.take(at: now)
        if write { wait = max(wait, mutations.take(at: now)) }
        // The budget as it stands, for /metrics: tokens left (below zero: callers queued) and the
        // wait the latest call of each kind was given.
        Gauge(label: "wadial_api_budget_tokens", dimensions: [("kind", "request")]).record(requests.available)
        Gauge(label: "wadial_api_budget_wait_seconds", dimensions: [("kind", write ? "mutation" : "request")]).record(wait)
        if write { Gauge(label: "wadial_api_budget_tokens", dimensions: [("kind", "mutation")]).record(mutations.available) }
        if wait > 0 {
            let pause = Duration.milliseconds(Int64(wait * 1000))
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
        return wait
    }
}
