/// Pauses writes after repeated failures, then lets writes through again to probe.
///
/// closed --(threshold failures in a row)--> open --(cooldown)--> half-open --(success)--> closed
///                                                                   \--(failure)--> open
///
/// Half-open does not hold writes back: every write is permitted until the first outcome, and
/// that outcome decides (a success closes the circuit, a failure opens it again for a cooldown).
public struct CircuitBreaker: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case closed(failures: Int)
        case open(until: Double)
        case halfOpen
    }

    public let threshold: Int
    public let cooldown: Double
    public private(set) var state: State = .closed(failures: 0)

    public init(threshold: Int = 5, cooldown: Duration = .seconds(60)) {
        self.threshold = max(threshold, 1)
        self.cooldown = cooldown.seconds
    }

    /// Whether a write may go out at `now`: nil when it may, else the seconds until it may.
    public mutating func permit(at now: Double) -> Double? {
        switch state {
        case .closed, .halfOpen:
            return nil
        case .open(let until):
            if now >= until {
                state = .halfOpen
                return nil
            }
            return until - now
        }
    }

    public mutating func recordSuccess() {
        state = .closed(failures: 0)
    }

    /// True when this failure opened the circuit.
    public mutating func recordFailure(at now: Double) -> Bool {
        switch state {
        case .closed(let failures) where failures + 1 < threshold:
            state = .closed(failures: failures + 1)
            return false
        case .open:
            return false
        default:
            state = .open(until: now + cooldown)
            return true
        }
    }

    public var isOpen: Bool {
        if case .open = state { return true }
        return false
    }
}
