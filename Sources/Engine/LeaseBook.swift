public import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
    /// When this engine started keeping leases: a session without any lease row yet counts as
    /// left alone once the engine has run for a whole lease without anyone taking it.
    var startedAt = ContinuousClock.now

    func setStartedAt(_ instant: ContinuousClock.Instant) { startedAt = instant }

    /// Keeping and handing back, one at a time (the actor alone would interleave them at awaits).
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func exclusively<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        while busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return await body()
    }

    /// Whether the store failed the last heartbeat: a standby that cannot reach it is not healthy.
    var storeUnreachable: Bool { storeFailing }

    /// Whether the store failed the last heartbeat or claim: logged when it starts and ends.
    private var storeFailing = false

    /// Records whether the store answered; true when that is a change (to be logged).
    func storeAnswered(_ answered: Bool) -> Bool {
        defer { storeFailing = !answered }
        return storeFailing == answered
    }

    /// Taken over and not ticked yet: the engine ticks them without waiting for its next round.
    private var newlyTaken: Set<String> = []
    /// The leases of other engines last seen, for the standby's log line, `/healthz` and `/metrics`.
    private(set) var others: [String: Lease] = [:]

    /// Whether a gone process of this machine loses its leases at once (`isGoneFromThisMachine`);
    /// off, its leases are waited out as those of another machine's engine are.
    public nonisolated let localTakeover: Bool

    /// `instance` is this engine's holder id (`instanceID()`): unique per process.
    public init(instance: String, duration: Duration, margin: Duration, localTakeover: Bool = true) {
        self.instance = instance
        self.duration = duration
        self.margin = margin
        self.localTakeover = localTakeover
    }

    /// A fresh holder id for this process: `HOST:PID:NONCE:PLACE`, the host name, process id, a
    /// random nonce, and where the process id means something (a hash of the kernel's boot id and
    /// the process's pid namespace), so that another engine can tell whether the holder is a
    /// process of its own machine and namespace, and whether that process still exists.
    public static func instanceID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 16)):\(place)"
    }

    /// The kernel boot and pid namespace this process runs in, hashed (64 bits, hex); empty where
    /// they cannot be read (then no holder is ever judged dead by its process id).
    static let place: String = {
        guard let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
              let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        else { return "" }
        return String(hash(boot.trimmingCharacters(in: .whitespacesAndNewlines) + "|" + namespace), radix: 16)
    }()

    /// FNV-1a, 64 bits: stable across processes and machines (Swift's `Hasher` is seeded per process).
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Whether `holder` is an engine process of this machine and pid namespace that no longer
    /// exists (a SIGKILL, a crash): its lease can be taken at once instead of after it expires. A
    /// holder of another machine, or whose process id is alive (even reused by another program),
    /// is never judged dead.
    public func isGoneFromThisMachine(_ holder: String) -> Bool {
        let parts = holder.split(separator: ":", omittingEmptySubsequences: false)
        guard localTakeover, parts.count == 4, !Self.place.isEmpty, parts[3] == Self.place, holder != instance, let pid = Int32(parts[1]), pid > 0 else { return false }
        if pid == getpid() { return true }
        return kill(pid, 0) == -1 && errno == ESRCH
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
