public import Foundation

/// The right to write for one session: held by one engine at a time, until `expires`, renewed
/// by its holder well before then. `epoch` grows each time the lease changes hands, and every
/// journal intent carries the epoch it was written under: a new holder reconciles the open
/// intents of earlier epochs (their holders are gone) before it sends anything.
public struct Lease: Sendable, Hashable, Codable {
    public var session: String
    /// The holding engine's instance id (`host:pid:nonce`); empty once handed back.
    public var holder: String
    public var epoch: Int64
    public var expires: Date

    public init(session: String, holder: String, epoch: Int64, expires: Date) {
        self.session = session
        self.holder = holder
        self.epoch = epoch
        self.expires = expires
    }

    /// Held by someone at `date`: a holder, and not expired.
    public func isHeld(at date: Date) -> Bool {
        !holder.isEmpty && expires > date
    }
}

/// What a claim on a lease came to.
public enum LeaseClaim: Sendable, Hashable {
    /// The caller holds it now, until the lease's `expires` (renewed, or taken: a new epoch).
    case held(Lease)
    /// Another engine holds it.
    case busy(Lease)
}

/// An engine instance that is alive, as its last heartbeat says: instances share out the
/// sessions among those alive.
public struct LiveInstance: Sendable, Hashable {
    public var id: String
    public var expires: Date

    public init(id: String, expires: Date) {
        self.id = id
        self.expires = expires
    }
}

/// How long records are kept before `prune` (automatic, or `wadial-rules prune`) removes them.
public struct Retention: Sendable, Hashable {
    /// Audit rows older than this.
    public var audit: TimeInterval
    /// Journal intents closed longer ago than this (open ones are never pruned).
    public var journal: TimeInterval
    /// Acted-on records not seen listed for this long (never one whose request is still listed:
    /// every read that lists it keeps it fresh).
    public var acted: TimeInterval

    /// The least `acted` may be: a request a stale API list still shows must not be acted on again.
    public static let minimumActed: TimeInterval = 7 * 86_400

    public init(audit: TimeInterval, journal: TimeInterval, acted: TimeInterval) {
        self.audit = audit
        self.journal = journal
        self.acted = max(acted, Self.minimumActed)
    }
}

/// What a prune removed, or would remove (`--dry-run`).
public struct PruneReport: Sendable, Hashable {
    public var audit = 0
    public var journal = 0
    public var acted = 0

    public init(audit: Int = 0, journal: Int = 0, acted: Int = 0) {
        self.audit = audit
        self.journal = journal
        self.acted = acted
    }

    public var total: Int { audit + journal + acted }

    public static func + (a: PruneReport, b: PruneReport) -> PruneReport {
        PruneReport(audit: a.audit + b.audit, journal: a.journal + b.journal, acted: a.acted + b.acted)
    }
}

/// The journal refused an intent: the session's lease is not held under the intent's epoch
/// (another engine took it over). Nothing is sent.
public struct LeaseFenced: Error, Sendable, CustomStringConvertible {
    public let session: String
    public let epoch: Int64
    public let current: Lease?

    public init(session: String, epoch: Int64, current: Lease?) {
        self.session = session
        self.epoch = epoch
        self.current = current
    }

    public var description: String {
        let holder = current.map { "held by \($0.holder.isEmpty ? "nobody" : $0.holder) under epoch \($0.epoch)" } ?? "not held"
        return "the lease of session \(session) is no longer this engine's (epoch \(epoch); it is \(holder)); nothing is sent"
    }
}

/// The one rule of a claim, which every store applies to the row it read inside its transaction
/// (SQLite's write lock, PostgreSQL's `SELECT … FOR UPDATE`, the memory store's actor).
public enum LeaseProtocol {
    /// The lease after `holder` claims it until `expires` at `now`: `current` is the stored row
    /// (nil when there is none yet).
    public static func claim(_ current: Lease?, session: String, holder: String, until expires: Date, now: Date, replacing dead: String? = nil) -> LeaseClaim {
        guard let current else { return .held(Lease(session: session, holder: holder, epoch: 1, expires: expires)) }
        if current.holder == holder, current.expires > now {
            // A renewal: same epoch, never shortened.
            return .held(Lease(session: session, holder: holder, epoch: current.epoch, expires: max(expires, current.expires)))
        }
        if current.isHeld(at: now), current.holder != dead || dead == holder { return .busy(current) }
        // Free, handed back or expired (even if it was this holder's: what it wrote under the old
        // epoch is reconciled as a predecessor's would be).
        let (next, overflow) = current.epoch.addingReportingOverflow(1)
        return .held(Lease(session: session, holder: holder, epoch: overflow ? 1 : next, expires: expires))
    }
}
