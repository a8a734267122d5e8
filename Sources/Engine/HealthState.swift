public import Foundation
import Rules

extension Engine {
    /// Healthy while the last tick succeeded within three poll intervals; otherwise why not.
    public func health(at date: Date) async -> (healthy: Bool, reason: String) {
        let poll = Double((await rules).settings.pollInterval.components.seconds)
        return await healthState.check(at: date, within: 3 * poll)
    }
}

/// The last tick's success or failure, for `/healthz`.
actor HealthState {
    private var lastSuccess: Date?
    private var lastFailure: String?
    /// Why the state store cannot be used, while it cannot: unhealthy whatever the ticks did.
    private var lostState: String?

    func succeeded(at date: Date) {
        lastSuccess = date
        lastFailure = nil
    }

    /// The state store is lost; true the first time (so it is logged once).
    func stateLost(_ reason: String) -> Bool {
        let first = lostState != reason
        lostState = reason
        return first
    }

    func stateRestored() {
        lostState = nil
    }

    func failed(_ reason: String) {
        lastFailure = reason
    }

    func check(at date: Date, within limit: TimeInterval) -> (healthy: Bool, reason: String) {
        if let lostState { return (false, lostState) }
        guard let lastSuccess else { return (false, lastFailure.map { "no successful tick yet: \($0)" } ?? "no tick yet") }
        let age = date.timeIntervalSince(lastSuccess)
        if age <= limit { return (true, "last tick \(Int(age))s ago") }
        return (false, "last successful tick \(Int(age))s ago" + (lastFailure.map { "; last error: \($0)" } ?? ""))
    }
}
