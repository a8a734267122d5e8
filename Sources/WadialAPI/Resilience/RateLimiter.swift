import Foundation

/// Client-side budgets: every call takes a request token; writes also take a mutation token.
actor RateLimiter {
    private var requests: TokenBucket
    private var mutations: TokenBucket
    private let start = ContinuousClock.now

    init(requestsPerMinute: Int, mutationsPerMinute: Int) {
        requests = TokenBucket(capacity: requestsPerMinute)
        mutations = TokenBucket(capacity: mutationsPerMinute)
    }

    /// Waits for the tokens; returns the seconds waited.
    func acquire(write: Bool) async -> Double {
        let now = (ContinuousClock.now - start).seconds
        var wait = requests.take(at: now)
        if write { wait = max(wait, mutations.take(at: now)) }
        if wait > 0 { try? await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
        return wait
    }
}
