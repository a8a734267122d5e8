public import Foundation
public import WadialAPI
public import WadialModels

/// The simulated WADial world: sessions, groups, members, settings, invite codes, pending join
/// requests, and a log of every call received.
///
/// One world serves three ways: over HTTP by `SandboxServer`, directly to rule tests, and for
/// inspection by end-to-end tests. Time comes from an injected clock, so that arrivals (requests
/// and member changes scheduled in the world file) appear when the clock says so.
public actor SandboxWorld {
    public internal(set) var sessions: [String: SessionState]
    public internal(set) var groups: [GroupJID: GroupState]
    public private(set) var calls: [Call] = []
    /// Calls received per operation, kept beside the log so that watchers need not copy it.
    private var operationCounts: [WadialOperation: Int] = [:]
    private var pendingArrivals: [Arrival]
    var inviteGenerations: [GroupJID: Int] = [:]
    private let clock: @Sendable () -> Date
    public let start: Date

    /// Stale-list mode: how long an approved or rejected request stays in the group's request
    /// list after it was decided (an API whose list lags behind its writes). Zero: at once gone.
    /// A decision on such an entry is answered 404 "no pending request", as it is no longer one.
    public private(set) var staleListing: Duration = .zero
    /// Decided requests still listed, per group, with the time they stop being listed.
    var lingering: [GroupJID: [(request: PendingRequest, until: Date)]] = [:]

    public func setStaleListing(_ duration: Duration) {
        staleListing = max(duration, .zero)
    }

    /// How many of the next deliveries to the webhook sink (`/hooks/...`) fail with HTTP 500.
    public private(set) var failingHooks = 0

    public func setFailingHooks(_ count: Int) {
        failingHooks = max(count, 0)
    }

    /// Takes one delivery to the webhook sink: false (answer 500) while failures are owed.
    func acceptHook() -> Bool {
        guard failingHooks > 0 else { return true }
        failingHooks -= 1
        return false
    }

    public init(sessions: [SessionState], groups: [GroupState], arrivals: [Arrival] = [], staleListing: Duration = .zero, failingHooks: Int = 0,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.staleListing = max(staleListing, .zero)
        self.failingHooks = max(failingHooks, 0)
        self.sessions = Dictionary(sessions.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.groups = Dictionary(groups.map { ($0.jid, $0) }, uniquingKeysWith: { $1 })
        self.pendingArrivals = arrivals.sorted { $0.after < $1.after }
        self.clock = clock
        self.start = clock()
    }

    public var now: Date { clock() }

    // MARK: - Driving the world

    /// Applies every arrival due by now.
    public func applyArrivals() {
        let elapsed = now.timeIntervalSince(start)
        while let next = pendingArrivals.first, next.after.seconds <= elapsed {
            pendingArrivals.removeFirst()
            apply(next.change)
        }
    }

    /// The requests a group's list shows now: the pending ones, then decided ones still lingering.
    func listedRequests(_ group: GroupState) -> [PendingRequest] {
        let now = self.now
        let lingeringNow = (lingering[group.jid] ?? []).filter { $0.until > now && !group.requests.contains($0.request) }.map(\.request)
        return group.requests + lingeringNow
    }

    public func apply(_ change: Arrival.Change) {
        switch change {
        case .request(let jid, let request):
            guard var group = groups[jid], !group.requests.contains(where: { $0.jid == request.jid }),
                  !group.members.contains(where: { $0.jid == request.jid })
            else { return }
            // With membership approval off, a join by link makes a member at once: no request.
            if group.settings[.membershipApproval] == .bool(false) {
                group.members.append(Participant(jid: request.jid))
            } else {
                group.requests.append(request)
            }
            groups[jid] = group
        case .memberDelta(let jid, let delta):
            guard var group = groups[jid] else { return }
            // Clamped, never trapping: a world file bounds deltas, code calling this need not.
            let (sum, overflow) = group.unlistedMembers.addingReportingOverflow(delta)
            group.unlistedMembers = overflow ? (delta > 0 ? Int.max / 2 : 0) : min(max(0, sum), Int.max / 2)
            groups[jid] = group
        case .connection(let session, let connected):
            sessions[session]?.connected = connected
        }
    }

    public func addRequest(_ request: PendingRequest, to jid: GroupJID) {
        apply(.request(jid, request))
    }

    public func setConnected(_ connected: Bool, session: String) {
        sessions[session]?.connected = connected
    }

    public func record(_ call: Call) {
        calls.append(call)
        if let operation = call.operation { operationCounts[operation, default: 0] += 1 }
    }

    public func recordCall(method: String, path: String, operation: WadialOperation?, body: JSONValue?, status: Int, fault: String?, response: JSONValue? = nil) {
        record(Call(time: now, method: method, path: path, operation: operation, body: body, status: status, fault: fault, response: response))
    }

    /// How many calls of `operation` the world has received (whatever their outcome).
    public func count(of operation: WadialOperation) -> Int { operationCounts[operation, default: 0] }

    public func group(_ jid: GroupJID) -> GroupState? { groups[jid] }

    static func code(for seed: String, generation: Int) -> String {
        // Deterministic per group and rotation: readable tests, distinct codes.
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in "\(seed)#\(generation)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var code = ""
        for _ in 0..<22 {
            code.append(alphabet[Int(hash % UInt64(alphabet.count))])
            hash = hash / UInt64(alphabet.count) ^ (hash &* 6_364_136_223_846_793_005)
        }
        return code
    }
}
