public import Foundation
public import State
public import WadialAPI

/// This engine's view of the session leases it holds, and of who holds the others.
///
/// A held lease is valid here until the moment its last successful claim was *sent* plus the
/// lease duration, on the monotonic clock: the store's expiry was computed from no earlier an
/// instant, so another engine cannot take the lease before this engine's view of it ends (up to
/// the clocks' skew, which the margin covers). No write is sent once less than the margin is
/// left, and a write's deadline never reaches past it (`window`).
public actor LeaseBook: WriteGate {
    public nonisolated let instance: String
    public nonisolated let duration: Duration
    public nonisolated let margin: Duration

    struct Held: Sendable {
        var epoch: Int64
        var validUntil: ContinuousClock.Instant
        var expires: Date
        /// Given up for a fair share: handed back after the session's tick in progress.
        var release = false
    }

    private var held: [String: Held] = [:]
    /// Taken over and not ticked yet: the engine ticks them without waiting for its next round.
    private var newlyTaken: Set<String> = []
    /// The leases of other engines last seen, for the standby's log line, `/healthz` and `/metrics`.
    private(set) var others: [String: Lease] = [:]

    /// `instance` is this engine's holder id (`host:pid:nonce`): unique per process.
    public init(instance: String, duration: Duration, margin: Duration) {
        self.instance = instance
        self.duration = duration
        self.margin = margin
    }

    /// A fresh holder id for this process: host name, process id and a random nonce.
    public static func instanceID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// How often a held lease is renewed (and free ones looked for): a fifth of the lease.
    public nonisolated var renewEvery: Duration { duration / 5 }

    /// How long to wait before the next round of keeping: `renewEvery`, or less when another
    /// engine's lease expires sooner (a standby claims it the moment it ends).
    func nextWake(at date: Date) -> Duration {
        var wait = renewEvery
        for lease in others.values where lease.expires > date {
            let until = Duration.milliseconds(Int64(min(lease.expires.timeIntervalSince(date), 3600) * 1000) + 20)
            wait = min(wait, until)
        }
        return max(wait, .milliseconds(50))
    }

    public func window(session: String) -> Duration? {
        guard let lease = held[session] else { return nil }
        let left = lease.validUntil - margin - ContinuousClock.now
        // Too short a window for any write to complete: none is sent.
        return left >= .milliseconds(500) ? left : nil
    }

    /// The epoch of the held lease, or nil when this engine may not write for the session.
    public func epoch(_ session: String) -> Int64? {
        guard window(session: session) != nil else { return nil }
        return held[session]?.epoch
    }

    public func holds(_ session: String) -> Bool { held[session] != nil }

    var heldSessions: [String] { held.keys.sorted() }

    /// Records a successful claim sent at `sent`; returns whether it is a new epoch (taken over,
    /// not renewed).
    func claimed(_ lease: Lease, sent: ContinuousClock.Instant) -> Bool {
        let isNew = held[lease.session]?.epoch != lease.epoch
        if isNew { newlyTaken.insert(lease.session) }
        var entry = held[lease.session] ?? Held(epoch: lease.epoch, validUntil: sent + duration, expires: lease.expires)
        entry.epoch = lease.epoch
        entry.validUntil = sent + duration
        entry.expires = lease.expires
        held[lease.session] = entry
        others[lease.session] = nil
        return isNew
    }

    /// Another engine holds it; returns whether that is news (a holder not seen before).
    func busy(_ lease: Lease) -> Bool {
        held[lease.session] = nil
        let isNew = others[lease.session]?.holder != lease.holder
        others[lease.session] = lease
        return isNew
    }

    /// The sessions taken over since they were last ticked (and forgets them).
    func takeNewlyTaken() -> [String] {
        defer { newlyTaken = [] }
        return newlyTaken.filter { held[$0] != nil }.sorted()
    }

    func ticked(_ session: String) {
        newlyTaken.remove(session)
    }

    func markRelease(_ session: String) {
        held[session]?.release = true
    }

    func shouldRelease(_ session: String) -> Bool { held[session]?.release ?? false }

    /// Forgets a held lease (handed back, or found lost).
    func drop(_ session: String) {
        held[session] = nil
    }

    /// For `/healthz` and `/metrics`: per session, held here (with its epoch) or by whom.
    public func status() -> [(session: String, holder: String, epoch: Int64, here: Bool)] {
        var rows = held.map { (session: $0.key, holder: instance, epoch: $0.value.epoch, here: true) }
        rows += others.filter { held[$0.key] == nil }.map { (session: $0.key, holder: $0.value.holder, epoch: $0.value.epoch, here: false) }
        return rows.sorted { $0.session < $1.session }
    }
}
