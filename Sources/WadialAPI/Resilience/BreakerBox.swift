import Logging
import Metrics

/// The circuit breaker behind an actor, on the continuous clock, with its metric and log line.
actor BreakerBox {
    private var breaker: CircuitBreaker
    private let start = ContinuousClock.now

    init(_ breaker: CircuitBreaker) {
        self.breaker = breaker
    }

    private var now: Double { (ContinuousClock.now - start).seconds }

    func permit() -> Double? { breaker.permit(at: now) }
    func success() {
        if breaker.state == .halfOpen {
            Gauge(label: "wadial_api_circuit_open").record(0)
        }
        breaker.recordSuccess()
    }

    func failure(logger: Logger) {
        if breaker.recordFailure(at: now) {
            Gauge(label: "wadial_api_circuit_open").record(1)
            logger.error("writes paused after repeated failures", metadata: ["cooldown_s": "\(Int(breaker.cooldown))"])
        }
    }
}
