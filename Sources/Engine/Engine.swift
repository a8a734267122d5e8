public import Foundation
public import Logging
import Metrics
public import Rules
public import ServiceLifecycle
public import State
public import WadialAPI
import WadialModels

/// The engine as a long-running `Service`: a tick per poll interval (and at schedule times) for
/// each session, over one shared client. SIGTERM/SIGINT (graceful shutdown) let the write in
/// flight finish, then `run()` returns.
public final class Engine<C: Clock>: Service where C.Duration == Duration {
    public struct Options: Sendable {
        public var sessions: [String]
        public var dryRun: Bool
        public var once: Bool
        /// Runs after each round of ticks (one per session), before the engine sleeps: `run`
        /// hands the heap's free memory back here (`ProcessMemory.releaseFree`).
        public var afterRound: (@Sendable () -> Void)?
        /// One active engine per session: the engine ticks a session only while it holds its lease
        /// in the store (nil: it ticks every session, as rule tests and direct `tick` calls do).
        /// The same book must be the API client's `writeGate`.
        public var leases: LeaseBook?
        /// Pruned after each round, a few batches at a time; nil keeps everything.
        public var retention: Retention?

        public init(sessions: [String], dryRun: Bool = false, once: Bool = false, afterRound: (@Sendable () -> Void)? = nil,
                    leases: LeaseBook? = nil, retention: Retention? = nil) {
            self.sessions = sessions
            self.dryRun = dryRun
            self.once = once
            self.afterRound = afterRound
            self.leases = leases
            self.retention = retention
        }
    }

    public let options: Options
    let rulesBox: RulesBox
    let client: any WadialClient
    let store: any StateStore
    let executor: Executor
    let fetcher: SnapshotFetcher
    let clock: C
    let now: @Sendable () -> Date
    let logger: Logger
    let disconnected = DisconnectedSessions()
    let healthState = HealthState()
    let lastViews = LastViews()
    let rights: AccountRights
    let conflictsReported = ReportedOnce()
    let withoutRightsReported = ReportedOnce()
    let unmatchedReported = ReportedOnce()
    let kindsReported = ReportedOnce()
    let busyGroups = BusyGroups()

    public init(
        rules: RuleSet, options: Options, client: any WadialClient, store: any StateStore, webhooks: any WebhookSender = HTTPWebhookSender(),
        clock: C, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.rulesBox = RulesBox(rules)
        self.options = options
        self.client = client
        self.store = store
        let rights = AccountRights()
        self.rights = rights
        self.executor = Executor(client: client, store: store, webhooks: webhooks, dryRun: options.dryRun, logger: logger,
                                 leases: options.dryRun ? nil : options.leases, rights: rights)
        self.fetcher = SnapshotFetcher(client: client, logger: logger, rights: rights)
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    public var rules: RuleSet {
        get async { await rulesBox.rules }
    }

    /// The lease book in use: none for a dry run, which writes nothing and takes no lease.
    var activeLeases: LeaseBook? { options.dryRun ? nil : options.leases }

    /// Replaces the rule set; state of rule ids that stay carries over.
    public func replaceRules(_ rules: RuleSet) async {
        await rulesBox.set(rules)
    }

    public func run() async throws {
        guard let leases = activeLeases else {
            if !options.dryRun { await reconcile() }
            try await rounds()
            return
        }
        // The leases are kept beside the ticks: a long tick (thousands of groups under the rate
        // limit) must not let them expire. On the way out, after the write in flight, they are
        // handed back at once, so a standby takes over without waiting for them to expire.
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            await keepLeases(leases)
            tasks.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: await leases.nextWake(at: self.now())) } catch { return }
                    await self.keepLeases(leases)
                }
            }
            defer { tasks.cancelAll() }
            try await rounds()
        }
        await handBackLeases(leases)
    }

    /// Ticks each session (held, with leases) per poll interval until stopped.
    private func rounds() async throws {
        while true {
            let startedAt = clock.now
            let started = now()
            for session in options.sessions {
                guard !Task.isShuttingDownGracefully else { return }
                if let leases = activeLeases {
                    if await leases.shouldRelease(session) {
                        await handBack(session, leases, reason: "given up so that the live engines share the sessions fairly")
                        continue
                    }
                    // Held and not about to lapse: a lease not renewed for a while (the store not
                    // answering) stops the ticks, not only the writes.
                    guard await leases.epoch(session) != nil else { continue }
                    await leases.ticked(session)
                }
                _ = await tick(session: session, at: started)
            }
            if let retention = options.retention, !options.dryRun { await pruneSome(retention) }
            if options.once || Task.isShuttingDownGracefully || Task.isCancelled { return }
            options.afterRound?()
            // The next wake counts from the tick's start, so ticks do not drift by their own
            // duration, and a deadline that passed during the tick is met at once.
            let deadline = startedAt.advanced(by: await nextWake(after: started))
            // Only the sleep is cut short by shutdown; a tick in progress finishes its write. A
            // deadline already reached is not slept on at all (some clocks would wait for the
            // next instant after it).
            if deadline > clock.now {
                await sleepBetweenTicks(until: deadline, activeLeases)
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
        }
    }

    /// The sleep between rounds. With leases, a session taken over meanwhile (its holder died)
    /// is ticked at once rather than at the next round, so that it goes without an engine for no
    /// longer than the lease. Every `busyInterval`, the busy groups are read again
    /// (`readBusyGroups`). Only the sleep is cut short by a stop; a tick in progress finishes its
    /// write.
    private func sleepBetweenTicks(until deadline: C.Instant, _ leases: LeaseBook?) async {
        let busyEvery = Self.busyInterval(poll: await rulesBox.rules.settings.pollInterval)
        var nextBusy = busyEvery.map { clock.now.advanced(by: $0) }
        while clock.now < deadline, !Task.isShuttingDownGracefully, !Task.isCancelled {
            var wake = deadline
            if leases != nil { wake = min(wake, clock.now.advanced(by: .milliseconds(100))) }
            if let next = nextBusy { wake = min(wake, next) }
            let until = wake
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(until: until, tolerance: nil) }
            if let leases {
                for session in await leases.takeNewlyTaken() where options.sessions.contains(session) {
                    guard !Task.isShuttingDownGracefully, await leases.epoch(session) != nil else { continue }
                    _ = await tick(session: session, at: now())
                }
            }
            if let next = nextBusy, let every = busyEvery, clock.now >= next, !Task.isShuttingDownGracefully {
                for session in options.sessions { await readBusyGroups(session: session, at: now()) }
                nextBusy = clock.now.advanced(by: every)
            }
        }
    }

    /// How long to sleep: until the next poll, or the next schedule time if sooner.
    func nextWake(after date: Date) async -> Duration {
        let rules = await rulesBox.rules
        var wake = Double(rules.settings.pollInterval.components.seconds)
        let runs = (try? await store.values(.scheduleRun)) ?? [:]
        for rule in rules.rules where rule.enabled {
            guard case .schedule(let trigger) = rule.trigger else { continue }
            for (key, value) in runs where key.rule == rule.id {
                guard let last = Double(value).map(Date.init(timeIntervalSince1970:)), let next = ScheduleClock.next(after: last, trigger) else { continue }
                wake = min(wake, max(next.timeIntervalSince(date), 1))
            }
        }
        return .milliseconds(Int64(wake * 1000))
    }

    public struct TickReport: Sendable {
        public var skipped: String?
        public var plan: Plan?
        public var execution: ExecutionReport?
        /// The kept steps of earlier ticks delivered in this one.
        public var resumed: ExecutionReport?
    }

    /// One evaluation of one session: snapshot, evaluate, remember, execute.
    public func tick(session: String, at date: Date) async -> TickReport {
        let rules = await rulesBox.rules
        let started = ContinuousClock.now
        defer {
            Counter(label: "wadial_ticks_total").increment()
            Timer(label: "wadial_tick_duration_seconds").recordNanoseconds(Int64((ContinuousClock.now - started).seconds * 1e9))
        }
        // A state file deleted or replaced under the engine: nothing is written for the session
        // until it is back (or the engine restarts), and /healthz says why.
        if !options.dryRun {
            do {
                try await store.checkIdentity()
                await healthState.stateRestored()
            } catch {
                if await healthState.stateLost("\(error)") {
                    logger.error("the state store is not the one the engine opened; nothing is written", metadata: ["error": "\(error)"])
                }
                return TickReport(skipped: "\(error)")
            }
        }
        do {
            // A decision whose outcome was unknown is settled before anything is decided again.
            // A group whose open decision could not be settled (its reads failed) decides nothing
            // this tick: that decision may have been applied.
            var unsettled: Set<String> = []
            var journalUnreadable = false
            if !options.dryRun {
                do {
                    let open = try await store.openIntents()
                    if open.contains(where: { $0.intent.session == session }) {
                        await reconcile(session: session)
                        let still = try await store.openIntents()
                        unsettled = Set(still.filter { $0.intent.session == session && $0.intent.operation.isDecision }.compactMap(\.intent.group))
                    }
                } catch {
                    // Without the journal no decision can be known to be settled: none is made.
                    logger.error("could not read the journal; no join request is decided this tick", metadata: ["session": "\(session)", "error": "\(error)"])
                    journalUnreadable = true
                }
            }
            // The group list is the connection check of a session that is up: the status is read
            // only while the session is known to be down, and when the tick's reads fail.
            if await disconnected.contains(session), let skipped = try await skipIfDisconnected(session) {
                return skipped
            }
            let listed: [Group]
            do {
                listed = try await fetcher.list(session: session)
            } catch {
                if let skipped = try? await skipIfDisconnected(session) { return skipped }
                throw error
            }
            await reportListing(session, rules, listed)
            // Pipelined: each group is evaluated as soon as its reads are in, and its plan goes
            // to the writer, which runs beside the reads; reads and writes share the budget in one
            // stream. Each group is read once per tick and evaluated on that one view, as of the
            // moment it was read (the tick's date plus the time the tick has taken so far).
            let values = try await loadValues()
            let startedAt = now()
            let evaluator = Evaluator(rules: rules)
            let queue = PlanQueue()
            let writer = Task { await self.write(queue, session: session) }
            var plan = Plan()
            var views: [Snapshot.GroupView] = []
            do {
                var reading = SnapshotFetcher.Reading()
                await busyGroups.startTick(session)
                for group in listed {
                    if await queue.stopped { break }
                    let at = date.addingTimeInterval(max(0, now().timeIntervalSince(startedAt)))
                    guard var view = try await fetcher.view(of: group, session: session, rules: rules, now: at, reading: &reading) else { continue }
                    if journalUnreadable || unsettled.contains(view.group.jid.rawValue) { view.requests = nil }
                    if let requests = view.requests {
                        Gauge(label: "wadial_pending_requests", dimensions: [("group", view.group.jid.rawValue)]).record(requests.count)
                        if !requests.isEmpty { await busyGroups.sawRequests(view.group.jid, session: session) }
                    }
                    let snapshot = Snapshot(session: session, takenAt: at, groups: [view], listed: listed)
                    let groupPlan = evaluator.evaluate(snapshot, state: try await loadState(for: snapshot, values: values), now: at)
                    views.append(view)
                    plan.merge(groupPlan)
                    if !groupPlan.isEmpty { await queue.put(groupPlan) }
                }
            } catch {
                // What was queued is still written (its groups were read and decided); then the error.
                await queue.finish()
                _ = await writer.value
                throw error
            }
            await queue.finish()
            let execution = await writer.value
            let snapshot = Snapshot(session: session, takenAt: date, groups: views, listed: listed)
            await lastViews.set(session, views, at: date)
            await reportRights(session, rules, snapshot)
            await reportConflicts(session, plan, views, values, at: date)
            for rule in Set(plan.actions.filter { !$0.isPolicy }.map(\.source)) {
                Counter(label: "wadial_rule_fires_total", dimensions: [("rule", rule)]).increment()
            }
            if let failure = execution.stateFailure {
                _ = await healthState.stateLost("the state store cannot be written: \(failure)")
                return TickReport(skipped: "the state store cannot be written: \(failure)", plan: plan, execution: execution)
            }
            // Then the steps kept from earlier ticks that are due.
            let resumed = await executor.resume(session: session, rules: rules, groups: views.map(\.group), skipping: execution.handOffs, now: now)
            if let open = try? await store.openIntents() {
                Gauge(label: "wadial_journal_open_intents").record(open.count)
            }
            if let kept = try? await store.handOffs(session: session) {
                Gauge(label: "wadial_handoffs_pending", dimensions: [("session", session)]).record(kept.count)
            }
            await healthState.stateRestored()
            await healthState.succeeded(at: now())
            return TickReport(plan: plan, execution: execution, resumed: resumed)
        } catch is SnapshotFetcher.EngineStopping {
            return TickReport(skipped: "the engine is stopping")
        } catch {
            logger.warning("tick failed", metadata: ["session": "\(session)", "error": "\(error)"])
            await healthState.failed("\(error)")
            return TickReport(skipped: "\(error)")
        }
    }

    /// A skipped tick when the session is not connected (warned once until it is again); nil when
    /// it is connected.
    private func skipIfDisconnected(_ session: String) async throws -> TickReport? {
        let status = try await client.sessionStatus(session: session)
        guard status.connected else {
            await rights.forgetAccount(session)
            if await disconnected.insert(session) {
                logger.warning("session not connected; skipping ticks until it is", metadata: ["session": "\(session)", "state": "\(status.connectionState ?? "?")"])
            }
            await healthState.failed("session \(session) is not connected")
            return TickReport(skipped: "session \(session) is not connected")
        }
        // The account's identity as the status says now: it may have been paired again with another.
        await rights.setAccount(session, status.account)
        if await disconnected.remove(session) { logger.info("session connected again", metadata: ["session": "\(session)"]) }
        return nil
    }

    /// The writer of a pipelined tick: takes what the reads have queued, all at once (its state
    /// and hand-offs in one store transaction, then its writes), until the reads are done. When
    /// the store cannot be written it stops, and nothing more of the tick is sent.
    private func write(_ queue: PlanQueue, session: String) async -> ExecutionReport {
        var report = ExecutionReport()
        while let plans = await queue.take() {
            var batch = Plan()
            for plan in plans { batch.merge(plan) }
            let done = await executor.execute(batch, session: session, now: now)
            report.merge(done)
            if done.stateFailure != nil {
                await queue.stop()
                break
            }
        }
        return report
    }

    /// What the listing tells on the first tick (and when it changes): the account's groups by
    /// kind, when a community is among them, and the rules and policies whose groups match none.
    private func reportListing(_ session: String, _ rules: RuleSet, _ listed: [Group]) async {
        // A community's groups are selected only by selectors that name their kind.
        let kinds = Dictionary(grouping: listed, by: \.kind).mapValues(\.count)
        if kinds.keys.contains(where: { $0 != .group }) {
            let counts = GroupKind.allCases.compactMap { kind in kinds[kind].map { "\($0) \(kind.label)\($0 == 1 ? "" : "s")" } }.joined(separator: ", ")
            if await kindsReported.report(session, [counts]).new.isEmpty == false {
                logger.info("listed \(counts); \"*\" and subject patterns select ordinary groups only", metadata: ["session": "\(session)"])
            }
        }
        // Selectors that match nothing: warned on the first tick (and when a reload brings new ones).
        let unmatched = UnmatchedTargets.warnings(rules, listed: listed)
        let (new, _) = await unmatchedReported.report(session, Set(unmatched))
        for warning in unmatched where new.contains(warning) {
            logger.warning("\(warning)", metadata: ["session": "\(session)"])
        }
    }

    /// Settings wanted two ways in this evaluation (none of the wants was done): logged at error
    /// level and recorded in the audit trail once while the conflict lasts, not on every tick and
    /// not again after a restart (the reported conflict is kept in the store until it ends; a
    /// dry run keeps it in memory only).
    private func reportConflicts(_ session: String, _ plan: Plan, _ views: [Snapshot.GroupView], _ values: [StateKey: String], at date: Date) async {
        func key(_ group: GroupJID, _ setting: GroupSetting) -> StateKey { StateKey(.conflict, rule: "", group: group.rawValue, sub: setting.key) }
        // Logged once per process while they last; audited once while they last, kept in the store.
        let logged = await conflictsReported.report(session, Set(plan.conflicts.map(\.key))).new
        var entries: [AuditEntry] = []
        var changes: [(key: StateKey, value: String?)] = []
        var current: Set<StateKey> = []
        for conflict in plan.conflicts {
            let stateKey = key(conflict.group.jid, conflict.setting)
            current.insert(stateKey)
            if logged.contains(conflict.key) {
                logger.error("rules and policies want \(conflict.setting.key) of \(conflict.group.name) set to different values; none is done until only one wants it",
                             metadata: ["session": "\(session)", "group": "\(conflict.group.jid)", "conflict": "\(conflict.summary)"])
            }
            guard values[stateKey] != conflict.key else { continue }
            changes.append((stateKey, conflict.key))
            for want in conflict.wants {
                entries.append(AuditEntry(at: date, rule: want.source, group: conflict.group.jid.rawValue, action: conflict.setting.action, targets: [],
                                          mode: options.dryRun ? .dryRun : .enforce, outcome: .conflict, detail: conflict.summary, groupKind: conflict.group.kind))
            }
        }
        // Conflicts of the groups read this tick that have ended.
        let read = Set(views.map(\.group.jid.rawValue))
        for stored in values.keys where stored.kind == .conflict && read.contains(stored.group) && !current.contains(stored) {
            changes.append((stored, nil))
        }
        guard !options.dryRun, !changes.isEmpty else { return }
        do {
            try await store.appendAudit(entries)
            try await store.commit(changes, handOffs: [])
        } catch {
            // Not kept as reported: the next tick that still sees it records it again.
            logger.error("could not record the conflicts in the audit trail", metadata: ["session": "\(session)", "error": "\(error)"])
        }
    }

    /// Groups where the account lacks admin rights, reported once each (and once more when it has
    /// them again), not failed on every tick.
    private func reportRights(_ session: String, _ rules: RuleSet, _ snapshot: Snapshot) async {
        let lacking = AccountRights.withoutRights(rules, snapshot.groups)
        let skipped = Dictionary(lacking.map { ($0.group.jid, $0) }, uniquingKeysWith: { first, _ in first })
        let (new, regained) = await withoutRightsReported.report(session, Set(skipped.keys.map(\.rawValue)))
        for jid in skipped.keys.sorted() where new.contains(jid.rawValue) {
            guard let entry = skipped[jid] else { continue }
            logger.warning("the account is not an admin of \(entry.group.name): its join requests are not read and rules that change it are skipped",
                           metadata: ["session": "\(session)", "group": "\(jid)", "rules": "\(Array(Set(entry.sources)).sorted().joined(separator: ","))"])
        }
        // Said only of groups still read (one that left the listing is not an admin again).
        let present = Set(snapshot.groups.map(\.group.jid.rawValue))
        let names = Dictionary(snapshot.groups.map { ($0.group.jid.rawValue, $0.group.name) }, uniquingKeysWith: { first, _ in first })
        for jid in regained.sorted() where present.contains(jid) {
            logger.info("the account is an admin of \(names[jid] ?? jid) again", metadata: ["session": "\(session)", "group": "\(jid)"])
        }
        Gauge(label: "wadial_groups_without_admin_rights", dimensions: [("session", session)]).record(skipped.count)
    }

    /// Evaluates without executing: what `plan` shows.
    public func plan(session: String, at date: Date) async throws -> (Snapshot, Plan) {
        let rules = await rulesBox.rules
        let (snapshot, state) = try await observe(session: session, rules: rules, at: date)
        return (snapshot, Evaluator(rules: rules).evaluate(snapshot, state: state, now: date))
    }

    /// What one evaluation reads: the session's snapshot and the remembered state it needs.
    func observe(session: String, rules: RuleSet, at date: Date) async throws -> (Snapshot, EngineState) {
        let snapshot = try await fetcher.snapshot(session: session, rules: rules, now: date)
        return (snapshot, try await loadState(for: snapshot))
    }

    /// The per-rule, per-group state of every kind: read once per tick.
    func loadValues() async throws -> [StateKey: String] {
        var values: [StateKey: String] = [:]
        for kind in StateKind.allCases {
            values.merge(try await store.values(kind)) { $1 }
        }
        return values
    }

    func loadState(for snapshot: Snapshot) async throws -> EngineState {
        try await loadState(for: snapshot, values: loadValues())
    }

    /// The remembered state `snapshot`'s evaluation reads: the records of its listed requests,
    /// and `values`.
    func loadState(for snapshot: Snapshot, values: [StateKey: String]) async throws -> EngineState {
        var state = EngineState(values: values)
        let seenAt = now()
        let dayAgo = seenAt.addingTimeInterval(-86_400)
        for view in snapshot.groups {
            guard let requests = view.requests, !requests.isEmpty else { continue }
            let records = try await store.actedRequests(group: view.group.jid, requesters: requests.map(\.jid))
            // Records of requests listed now are kept from pruning (refreshed at most daily).
            let listed = Set(requests.map { "\($0.jid.rawValue)|\($0.requestKey)" })
            let stale = records.filter { listed.contains("\($0.requester.rawValue)|\($0.requestedAt)") && ($0.seen ?? $0.at) < dayAgo }
            if !stale.isEmpty, !options.dryRun { try? await store.touchActed(stale, at: seenAt) }
            state.acted[view.group.jid] = records.map {
                ActedRequestRecord(rule: $0.rule, requester: $0.requester, requestedAt: $0.requestedAt, decision: $0.decision)
            }
        }
        return state
    }
}
