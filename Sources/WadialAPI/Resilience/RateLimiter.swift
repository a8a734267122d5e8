import Foundation
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

    /// Waits for the tokens; returns the seconds waited. Throws when graceful shutdown (or
    /// cancellation) ends the wait: the call is then not made.
    func acquire(write: Bool) async throws -> Double {
        let now = (ContinuousClock.now - start).seconds
        var wait = requests.take(at: now)
        if write { wait = max(wait, mutations.take(at: now)) }
        if wait > 0 {
            let pause = Duration.milliseconds(Int64(wait * 1000))
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
        return wait
    }
}
