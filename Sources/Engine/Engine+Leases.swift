import Foundation
import Logging
import Metrics
import State
import WadialAPI
import WadialModels

extension Engine {
    /// One round of lease keeping: a heartbeat (the instances alive decide each one's fair share),
    /// the renewal of every held lease, claims on free ones up to the share, and extras marked to
    /// be handed back after their tick.
    ///
    /// A renewal that fails (the store unreachable) changes nothing here: the lease simply runs
    /// out, and writes stop a margin before it does. A claim answered "busy" means another engine
    /// took the session over: it is dropped at once.
    func keepLeases(_ leases: LeaseBook) async {
        guard !options.sessions.isEmpty else { return }
        // Never beside a hand-back: a renewal sent after the hand-back would take the lease again.
        await leases.exclusively { await self.keepLeasesOnce(leases) }
    }

    private func keepLeasesOnce(_ leases: LeaseBook) async {
        let sessions = options.sessions
        let wall = now()
        let sent = ContinuousClock.now
        let expires = wall.addingTimeInterval(leases.duration.seconds)
        var live = 1
        do {
            // An engine of this machine that is gone no longer counts toward the shares.
            var alive = 0
            for instance in try await storeCall(leases, { try await self.store.heartbeat(instance: leases.instance, until: expires, now: wall) })
            where await !leases.isGoneFromThisMachine(instance.id) {
                alive += 1
            }
            live = max(alive, 1)
            if await leases.storeAnswered(true) { logger.notice("the state store answers again; leases are kept") }
        } catch {
            // Logged once until the store answers again (a renewal is tried every fifth of the lease).
            if await leases.storeAnswered(false) {
                logger.warning("could not reach the state store to keep the leases; they run out unless renewed, and writes stop a margin before",
                               metadata: ["error": "\(error)"])
            }
        }
        let share = (sessions.count + live - 1) / live
        let order = Self.rotated(sessions, for: leases.instance)
        var held = 0
        for session in order where await leases.holds(session) {
            if await claim(session, leases, until: expires, now: wall, sent: sent) { held += 1 }
        }
        for session in order where await !leases.holds(session) {
            guard held < share else { break }
            if await claim(session, leases, until: expires, now: wall, sent: sent) { held += 1 }
        }
        // Beyond the share, a session nobody has held for a whole lease (no live engine serves it:
        // engines with other session lists, say) is taken all the same: never left alone.
        if held >= share, let rows = try? await storeCall(leases, { try await self.store.leases() }) {
            let known = Dictionary(rows.map { ($0.session, $0) }, uniquingKeysWith: { $1 })
            let runningALease = ContinuousClock.now - (await leases.startedAt) >= leases.duration
            for session in order where await !leases.holds(session) {
                let alone = known[session].map { !$0.isHeld(at: wall) && wall.timeIntervalSince($0.expires) >= leases.duration.seconds } ?? runningALease
                guard alone else { continue }
                if await claim(session, leases, until: expires, now: wall, sent: sent) { held += 1 }
            }
        }
        if held > share {
            var extras: [String] = []
            for session in order.reversed() where await leases.holds(session) { extras.append(session) }
            for session in extras.prefix(held - share) { await leases.markRelease(session) }
        }
        for row in await leases.status() {
            Gauge(label: "wadial_lease_held", dimensions: [("session", row.session)]).record(row.here ? 1 : 0)
            Gauge(label: "wadial_lease_epoch", dimensions: [("session", row.session)]).record(row.epoch)
        }
        Gauge(label: "wadial_engines_alive").record(live)
    }

    /// One claim; true when this engine holds the lease after it.
    private func claim(_ session: String, _ leases: LeaseBook, until expires: Date, now wall: Date, sent: ContinuousClock.Instant) async -> Bool {
        let wasHeld = await leases.holds(session)
        do {
            var claim = try await storeCall(leases) { try await self.store.claimLease(session: session, holder: leases.instance, until: expires, now: wall) }
            // A holder that was a process of this machine and is gone (killed, crashed): taken
            // over at once, rather than after its lease runs out.
            if case .busy(let lease) = claim, await leases.isGoneFromThisMachine(lease.holder) {
                logger.notice("the engine holding the lease was a process of this machine that is gone; taking over at once",
                              metadata: ["session": "\(session)", "holder": "\(lease.holder)"])
                claim = try await storeCall(leases) {
                    try await self.store.claimLease(session: session, holder: leases.instance, until: expires, now: wall, replacing: lease.holder)
                }
            }
            switch claim {
            case .held(let lease):
                if await leases.claimed(lease, sent: sent) {
                    logger.notice("holding the lease of the session: this engine acts for it", metadata: [
                        "session": "\(session)", "epoch": "\(lease.epoch)", "instance": "\(leases.instance)",
                    ])
                }
                return true
            case .busy(let lease):
                if wasHeld {
                    logger.warning("the lease of the session was taken over by another engine; this engine sends nothing more for it", metadata: [
                        "session": "\(session)", "holder": "\(lease.holder)", "epoch": "\(lease.epoch)",
                    ])
                }
                if await leases.busy(lease) {
                    logger.notice("standby: another engine holds the lease of the session; this one waits and takes over if it stops", metadata: [
                        "session": "\(session)", "holder": "\(lease.holder)", "until": "\(ISO8601DateFormatter().string(from: lease.expires))",
                    ])
                }
                return false
            }
        } catch {
            logger.debug("could not claim or renew the lease of the session", metadata: ["session": "\(session)", "error": "\(error)"])
            return wasHeld
        }
    }

    /// A store call of lease keeping, given at most half the lease: a store that does not answer
    /// (a black-holed connection) must not hold the keeping up while the leases run out.
    private func storeCall<T: Sendable>(_ leases: LeaseBook, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withDeadline(leases.duration / 2, body)
        } catch is DeadlineExceeded {
            throw StoreTimeout()
        }
    }

    struct StoreTimeout: Error, CustomStringConvertible {
        var description: String { "the state store did not answer within half the lease" }
    }

    /// Hands one lease back at once (between its ticks).
    func handBack(_ session: String, _ leases: LeaseBook, reason: String) async {
        await leases.exclusively { await self.handBackNow(session, leases, reason: reason) }
    }

    private func handBackNow(_ session: String, _ leases: LeaseBook, reason: String) async {
        await leases.drop(session)
        do {
            try await store.releaseLease(session: session, holder: leases.instance, now: now())
            logger.notice("handed the lease of the session back", metadata: ["session": "\(session)", "reason": "\(reason)"])
        } catch {
            logger.warning("could not hand the lease back; it expires on its own", metadata: ["session": "\(session)", "error": "\(error)"])
        }
    }

    /// On a stop: every held lease handed back, and this engine off the list of live ones.
    func handBackLeases(_ leases: LeaseBook) async {
        await leases.exclusively {
            for session in await leases.heldSessions {
                await self.handBackNow(session, leases, reason: "the engine is stopping")
            }
        }
        try? await store.removeInstance(leases.instance)
    }

    /// The sessions in an order that starts at a place of this instance's own, so that engines
    /// starting together do not all claim the same sessions first.
    static func rotated(_ sessions: [String], for instance: String) -> [String] {
        guard !sessions.isEmpty else { return sessions }
        let start = Int(LeaseBook.hash(instance) % UInt64(sessions.count))
        return Array(sessions[start...] + sessions[..<start])
    }

    /// A few batches of pruning after a round (never inside a tick's transaction); the rest waits
    /// for the next round.
    func pruneSome(_ retention: Retention) async {
        var total = PruneReport()
        for _ in 0..<4 {
            do {
                let report = try await store.prune(retention, now: now(), batch: 500, dryRun: false)
                total = total + report
                if max(report.audit, report.journal, report.acted) < 500 { break }
            } catch {
                logger.warning("could not prune old records; they are kept", metadata: ["error": "\(error)"])
                break
            }
        }
        if total.total > 0 {
            logger.debug("pruned old records", metadata: ["audit": "\(total.audit)", "journal": "\(total.journal)", "acted": "\(total.acted)"])
            Counter(label: "wadial_pruned_rows_total").increment(by: total.total)
        }
    }
}
