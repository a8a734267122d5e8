import Testing
@testable import WadialAPI

/// The timing state machines, driven by numbers instead of a clock.
struct ResilienceTests {
    @Test func tokenBucketAllowsABurstThenPacesAtTheRefillRate() {
        var bucket = TokenBucket(capacity: 60, per: .seconds(60))  // one a second
        let burst = (0..<60).map { _ in bucket.take(at: 0) }
        #expect(burst.allSatisfy { $0 == 0 })
        let next = [bucket.take(at: 0), bucket.take(at: 0)]
        #expect(next == [1, 2])  // the 61st waits a second, the 62nd queues behind it
        let later = bucket.take(at: 5)
        #expect(later == 0)  // five seconds refilled five tokens, three of them already promised
    }

    @Test func tokenBucketRefillsWithElapsedTimeUpToCapacity() {
        var bucket = TokenBucket(capacity: 2, per: .seconds(10))  // one per 5 s
        let waits = [bucket.take(at: 0), bucket.take(at: 0), bucket.take(at: 2.5)]
        #expect(waits == [0, 0, 2.5])
        var idle = TokenBucket(capacity: 2, per: .seconds(10))
        let afterIdling = [idle.take(at: 1000), idle.take(at: 1000), idle.take(at: 1000)]
        #expect(afterIdling == [0, 0, 5])  // long idleness does not bank more than capacity
    }

    @Test func circuitBreakerOpensCoolsDownAndProbes() {
        var breaker = CircuitBreaker(threshold: 3, cooldown: .seconds(60))
        let first = breaker.permit(at: 0)
        #expect(first == nil)
        let opened = [breaker.recordFailure(at: 1), breaker.recordFailure(at: 2), breaker.recordFailure(at: 3)]
        #expect(opened == [false, false, true])
        #expect(breaker.isOpen)
        let waits = [breaker.permit(at: 33), breaker.permit(at: 63)]
        #expect(waits == [30, nil])  // then half-open: one probe may go
        #expect(breaker.state == .halfOpen)
        let reopened = breaker.recordFailure(at: 64)  // the probe failed: open again at once
        #expect(reopened)
        let again = [breaker.permit(at: 100), breaker.permit(at: 124)]
        #expect(again == [24, nil])
        breaker.recordSuccess()
        #expect(breaker.state == .closed(failures: 0))
    }

    @Test func successResetsTheFailureCount() {
        var breaker = CircuitBreaker(threshold: 2)
        let first = breaker.recordFailure(at: 0)
        breaker.recordSuccess()
        let second = breaker.recordFailure(at: 1)
        #expect(!first && !second)
        #expect(!breaker.isOpen)
    }

    @Test func retryDelaysGrowExponentiallyWithJitterAndHonourRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .seconds(1), maxRetryAfter: .seconds(30))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unit: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unit: 0) == .milliseconds(50))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unit: 1) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 10, retryAfter: nil, unit: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 1, retryAfter: 2, unit: 0.3) == .seconds(2))
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3600, unit: 0.3) == .seconds(30))
    }

    @Test func retryAfterHeaderForms() {
        #expect(HTTPWadialClient.retryAfterSeconds("7") == 7)
        #expect(HTTPWadialClient.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0)
        #expect(HTTPWadialClient.retryAfterSeconds("soon") == nil)
    }

    @Test func pathSegmentsArePercentEncoded() {
        #expect(HTTPWadialClient.encode("120363000000000001@g.us") == "120363000000000001%40g.us")
        #expect(HTTPWadialClient.encode("a b/c") == "a%20b%2Fc")
    }

    @Test func envelopeAndErrorBodies() throws {
        #expect(try HTTPWadialClient.payload(Data(#"{"data": [1]}"#.utf8), status: 200).get() == .array([.number(1)]))
        #expect(try HTTPWadialClient.payload(Data(#"{"groups": []}"#.utf8), status: 200).get() == .object(["groups": .array([])]))
        #expect(try HTTPWadialClient.payload(Data(), status: 204).get() == .null)
        // A body that is not JSON says what it is; the caller decides (a read retries once, a
        // write is an unknown outcome).
        #expect(throws: (any Error).self) { try HTTPWadialClient.payload(Data("<html>".utf8), status: 200).get() }
        #expect("\(HTTPWadialClient.payload(Data("<html>".utf8), status: 200))".contains("HTTP 200, 6 bytes: the body is not JSON"))
        #expect("\(HTTPWadialClient.payload(Data([0x7B, 0xFF, 0x7D]), status: 200))".contains("the body is not UTF-8"))
        let deep = Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        #expect("\(HTTPWadialClient.payload(deep, status: 200))".contains("the body nests deeper than 256 levels"))
        func error(_ body: String, status: Int = 400) -> WadialError {
            HTTPWadialClient.apiError(.init(status: status, headers: ["Retry-After": "3"], body: Data(body.utf8)))
        }
        #expect(error(#"{"error": {"code": "BAD", "message": "nope"}}"#) == .status(400, code: "BAD", message: "nope", retryAfter: 3))
        #expect(error(#"{"message": "plain"}"#) == .status(400, code: nil, message: "plain", retryAfter: 3))
        #expect(error(#"{"error": "text"}"#) == .status(400, code: nil, message: "text", retryAfter: 3))
        #expect(error("garbage", status: 502) == .status(502, code: nil, message: "Bad Gateway", retryAfter: 3))
    }
}

import Foundation
