public import Foundation
import Rules

extension Engine {
    /// Healthy while the last tick succeeded within three poll intervals; otherwise why not.
    /// How many ticks failed or were skipped for a failure (not for a stop) since start.
    public var failedTicks: Int {
        get async { await healthState.failures }
    }

    public func health(at date: Date) async -> (healthy: Bool, reason: String) {
        let poll = Double((await rules).settings.pollInterval.components.seconds)
        // A standby (every session's lease held elsewhere) is healthy: it is doing its job.
        if let leases = activeLeases {
            let rows = await leases.status()
            for row in rows where row.here {
                if await leases.window(session: row.session) == nil {
                    return (false, "the lease of session \(row.session) is about to lapse (not renewed: the state store does not answer); no writes are sent")
                }
            }
            if !rows.contains(where: \.here), await leases.storeUnreachable {
                return (false, "standby, but the state store does not answer: it could not take over")
            }
            if !rows.contains(where: \.here) {
                guard !rows.isEmpty else { return (false, "no session's lease held or seen yet") }
                return (true, "standby: " + rows.map { "session \($0.session) is held by \($0.holder)" }.joined(separator: "; "))
            }
        }
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
        failures += 1
        let first = lostState != reason
        lostState = reason
        return first
    }

    func stateRestored() {
        lostState = nil
    }

    /// How many ticks failed since the engine started (`run --once` exits 1 when any did).
    private(set) var failures = 0

    func failed(_ reason: String) {
        failures += 1
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
