import Foundation
import Logging
import PostgresState
import State
import Testing
import TestSupport
import WadialModels

enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, memory, postgres
    var testDescription: String { rawValue }
}

/// One contract for the three stores. The SQLite one is a real file in a temporary folder; the
/// PostgreSQL one a fresh database on a private server the tests start (TestSupport).
struct StateStoreContractTests {
    static func withStore(_ kind: StoreKind, _ body: (any StateStore, String?) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(MemoryStateStore(), nil)
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-state-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("nested/state.sqlite").path
            try await body(try SQLiteStateStore(path: path), path)
        case .postgres:
            let url = try await PostgresTestServer.shared.makeDatabase()
            let store = try await connect(url)
            do {
                try await body(store, url)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    static func connect(_ url: String) async throws -> PostgresStateStore {
        let location = try PostgresLocation.parse(url).get()
        return try await PostgresStateStore.connect(location, password: nil, logger: Logger(label: "test"))
    }

    /// A second store on the same file or database (a second engine process), or the same
    /// memory store (memory cannot be shared between processes).
    static func second(_ kind: StoreKind, _ store: any StateStore, _ place: String?) async throws -> any StateStore {
        switch kind {
        case .memory: store
        case .sqlite: try SQLiteStateStore(path: place ?? "")
        case .postgres: try await connect(place ?? "")
        }
    }

    let group = GroupJID("120363000000000001@g.us")!
    let alice = UserJID("15551234567@s.whatsapp.net")!
    let bob = UserJID("123456789012345@lid")!
    let at = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: StoreKind.allCases)
    func actedRequestsByRequester(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            try await store.recordActed([
                ActedRequest(rule: "approve", group: group, requester: alice, requestedAt: 100, decision: .approve, at: at),
                ActedRequest(rule: "note", group: group, requester: bob, requestedAt: 0, decision: .none, at: at.addingTimeInterval(1)),
            ])
            let both = try await store.actedRequests(group: group, requesters: [alice, bob])
            #expect(both.map(\.rule) == ["approve", "note"])
            #expect(both.first?.decision == .approve)
            #expect(both.first?.requestedAt == 100)
            #expect(try await store.actedRequests(group: group, requesters: [bob]).map(\.requester) == [bob])
            #expect(try await store.actedRequests(group: GroupJID("1@g.us")!, requesters: [alice]).isEmpty)
            #expect(try await store.actedRequests(group: group, requesters: []).isEmpty)
            // Recording the same key again replaces it.
            try await store.recordActed([ActedRequest(rule: "approve", group: group, requester: alice, requestedAt: 100, decision: .reject, at: at)])
            #expect(try await store.actedRequests(group: group, requesters: [alice]).map(\.decision) == [.reject])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func keyedValues(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            let threshold = StateKey(.threshold, rule: "full", group: group.rawValue)
            let run = StateKey(.scheduleRun, rule: "rotate", group: group.rawValue)
            let drift = StateKey(.drift, rule: "baseline", group: group.rawValue, sub: "locked")
            try await store.setValue("pending:1790000000", for: threshold)
            try await store.setValue("1790000000", for: run)
            try await store.setValue("false", for: drift)
            #expect(try await store.values(.threshold) == [threshold: "pending:1790000000"])
            #expect(try await store.values(.drift) == [drift: "false"])
            try await store.setValue("fired", for: threshold)
            #expect(try await store.values(.threshold)[threshold] == "fired")
            try await store.setValue(nil, for: threshold)
            #expect(try await store.values(.threshold).isEmpty)
            #expect(try await store.values(.scheduleRun).count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func valuesSetTogetherApplyInOrder(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            let keys = (0..<500).map { StateKey(.threshold, rule: "full", group: "1203630000000\($0)@g.us") }
            try await store.setValues(keys.map { ($0, "pending:1") })
            #expect(try await store.values(.threshold).count == 500)
            // Later changes to a key win; nil removes; nothing to set is no change.
            try await store.setValues([(keys[0], "fired"), (keys[1], nil), (keys[0], "idle"), (keys[2], "fired")])
            try await store.setValues([])
            let values = try await store.values(.threshold)
            #expect(values.count == 499)
            #expect(values[keys[0]] == "idle")
            #expect(values[keys[1]] == nil)
            #expect(values[keys[2]] == "fired")
            #expect(values[keys[3]] == "pending:1")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func journalIntentsStayOpenUntilClosed(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            let intent = JournalIntent(session: "s", group: group.rawValue, operation: .decide(.approve), rules: ["approve"],
                                       targets: [alice.rawValue], detail: "approve", at: at)
            let first = try await store.openIntent(intent)
            let second = try await store.openIntent(intent)
            #expect(first != second)
            #expect(try await store.openIntents().map(\.id) == [first, second])
            try await store.closeIntent(first, outcome: "done", at: at)
            let open = try await store.openIntents()
            #expect(open.map(\.id) == [second])
            #expect(open.first?.intent == intent)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func auditTrailFilters(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            let entries = [
                AuditEntry(at: at, rule: "a", group: group.rawValue, action: "approve_requests", targets: [alice.rawValue], mode: .enforce, outcome: .done, detail: ""),
                AuditEntry(at: at.addingTimeInterval(60), rule: "b", group: "2@g.us", action: "log", targets: [], mode: .audit, outcome: .would, detail: "hello"),
            ]
            try await store.appendAudit(entries)
            #expect(try await store.audit(since: nil, rule: nil, group: nil) == entries)
            #expect(try await store.audit(since: at.addingTimeInterval(30), rule: nil, group: nil) == [entries[1]])
            #expect(try await store.audit(since: nil, rule: "a", group: nil) == [entries[0]])
            #expect(try await store.audit(since: nil, rule: nil, group: "2@g.us") == [entries[1]])
            // The newest decisions first, other actions left out (an `_` in LIKE is no wildcard).
            let more = (0..<3).map { AuditEntry(at: at.addingTimeInterval(Double(100 + $0)), rule: "a", group: group.rawValue, action: "reject_requests",
                                                targets: ["\($0)"], mode: .enforce, outcome: .done, detail: "") }
                + [AuditEntry(at: at.addingTimeInterval(200), rule: "a", group: group.rawValue, action: "set_xrequests", targets: [], mode: .enforce, outcome: .done, detail: "")]
            try await store.appendAudit(more)
            #expect(try await store.latestDecisions(limit: 2).map(\.targets) == [["2"], ["1"]])
            #expect(try await store.latestDecisions(limit: 10).count == 4)
        }
    }

    @Test func sqliteSurvivesReopeningAndUsesWAL() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        do {
            let store = try SQLiteStateStore(path: path)
            #expect(try store.journalMode() == "wal")
            let caches = try store.cacheSizes()
            #expect(caches.reader == -512 && caches.writer == -512, "512 KiB of page cache on every connection, not SQLite's 2 MiB")
            try await store.setValue("fired", for: StateKey(.threshold, rule: "r", group: group.rawValue))
            _ = try await store.openIntent(JournalIntent(session: "s", group: nil, operation: .leave, rules: ["r"], targets: [], detail: "", at: at))
        }
        let reopened = try SQLiteStateStore(path: path)
        #expect(try await reopened.values(.threshold).values.first == "fired")
        #expect(try await reopened.openIntents().map(\.intent.operation) == [.leave])
    }

    @Test func sqliteBackupIsACompleteCopyAndNeverOverwrites() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-backup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStateStore(path: folder.appendingPathComponent("state.sqlite").path)
        try await store.setValue("fired", for: StateKey(.threshold, rule: "r", group: group.rawValue))
        // Written while a second connection holds an open intent: the copy has both.
        _ = try await store.openIntent(JournalIntent(session: "s", group: nil, operation: .leave, rules: ["r"], targets: [], detail: "", at: at))
        let copy = folder.appendingPathComponent("copy.sqlite").path
        try await store.backup(to: copy)
        let restored = try SQLiteStateStore(path: copy)
        #expect(try await restored.values(.threshold).values.first == "fired")
        #expect(try await restored.openIntents().count == 1)
        await #expect(throws: SQLiteStateStore.BackupTargetExists.self) { try await store.backup(to: copy) }
    }

    @Test func storedOperationsAndOutcomesReadBack() {
        for operation in JournalOperation.known {
            #expect(JournalOperation(stored: operation.description) == operation)
        }
        #expect(JournalOperation(stored: "decide_requests:approve") == .decide(.approve))
        #expect(JournalOperation(stored: "teleport") == .unrecognized("teleport"))
        for outcome in AuditOutcome.allCases {
            #expect(AuditOutcome(stored: outcome.rawValue) == outcome)
        }
        // Rows written before outcomes were typed.
        #expect(AuditOutcome(stored: "gone (404)") == .gone)
        #expect(ActedRequest.decision(stored: "none") == .some(nil))
        #expect(ActedRequest.decision(stored: "approve") == .some(.approve))
        #expect(ActedRequest.decision(stored: "maybe") == nil)
    }

    // MARK: - Leases

    @Test(arguments: StoreKind.allCases)
    func leaseIsHeldByOneHolderAtATime(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, place in
            let other = try await Self.second(kind, store, place)
            let t0 = at
            // Free: taken, epoch 1.
            guard case .held(let first) = try await store.claimLease(session: "s", holder: "a", until: t0 + 10, now: t0) else {
                Issue.record("a free lease was not granted")
                return
            }
            #expect(first.epoch == 1 && first.holder == "a")
            // Held by a: b is told who holds it, until when.
            #expect(try await other.claimLease(session: "s", holder: "b", until: t0 + 12, now: t0 + 2) == .busy(first))
            // a renews: same epoch, later expiry.
            #expect(try await store.claimLease(session: "s", holder: "a", until: t0 + 14, now: t0 + 4)
                == .held(Lease(session: "s", holder: "a", epoch: 1, expires: t0 + 14)))
            // Expired: b takes it over under a new epoch; a's next claim is refused.
            #expect(try await other.claimLease(session: "s", holder: "b", until: t0 + 25, now: t0 + 15)
                == .held(Lease(session: "s", holder: "b", epoch: 2, expires: t0 + 25)))
            #expect(try await store.claimLease(session: "s", holder: "a", until: t0 + 26, now: t0 + 16)
                == .busy(Lease(session: "s", holder: "b", epoch: 2, expires: t0 + 25)))
            // Handed back: free at once, taken under a new epoch.
            try await other.releaseLease(session: "s", holder: "b", now: t0 + 17)
            #expect(try await store.claimLease(session: "s", holder: "a", until: t0 + 27, now: t0 + 17)
                == .held(Lease(session: "s", holder: "a", epoch: 3, expires: t0 + 27)))
            // Handing back a lease one does not hold changes nothing.
            try await other.releaseLease(session: "s", holder: "b", now: t0 + 18)
            #expect(try await store.leases() == [Lease(session: "s", holder: "a", epoch: 3, expires: t0 + 27)])
            // Sessions are independent.
            #expect(try await other.claimLease(session: "t", holder: "b", until: t0 + 28, now: t0 + 18)
                == .held(Lease(session: "t", holder: "b", epoch: 1, expires: t0 + 28)))
            if kind != .memory { await other.close() }
        }
    }

    @Test(arguments: [StoreKind.sqlite, .postgres])
    func concurrentClaimsGrantOneHolder(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, place in
            var stores: [any StateStore] = [store]
            for _ in 0..<3 { stores.append(try await Self.second(kind, store, place)) }
            for round in 0..<10 {
                let session = "s\(round)"
                let claims = try await withThrowingTaskGroup(of: LeaseClaim.self) { tasks in
                    for (index, each) in stores.enumerated() {
                        tasks.addTask { try await each.claimLease(session: session, holder: "h\(index)", until: at + 10, now: at) }
                    }
                    return try await tasks.reduce(into: [LeaseClaim]()) { $0.append($1) }
                }
                let held = claims.filter { if case .held = $0 { true } else { false } }
                #expect(held.count == 1, "\(claims)")
            }
            for each in stores.dropFirst() { await each.close() }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func journalRefusesAnIntentOfAnEpochThatLostTheLease(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            _ = try await store.claimLease(session: "s", holder: "a", until: at + 10, now: at)
            var intent = JournalIntent(session: "s", group: group.rawValue, operation: .decide(.approve), rules: ["r"], targets: [alice.rawValue],
                                       detail: "approve", at: at + 1, epoch: 1)
            let id = try await store.openIntent(intent)
            #expect(try await store.openIntents().first { $0.id == id }?.intent.epoch == 1)
            // Taken over by b (epoch 2): a's intent of epoch 1 is refused, and nothing is journaled.
            _ = try await store.claimLease(session: "s", holder: "b", until: at + 30, now: at + 11)
            intent.at = at + 12
            await #expect(throws: LeaseFenced.self) { _ = try await store.openIntent(intent) }
            #expect(try await store.openIntents().count == 1)
            // Past its own expiry, even the current epoch is refused.
            intent.epoch = 2
            intent.at = at + 31
            await #expect(throws: LeaseFenced.self) { _ = try await store.openIntent(intent) }
            // Without leases (epoch 0), intents are not fenced.
            intent.epoch = 0
            _ = try await store.openIntent(intent)
            #expect(try await store.openIntents().count == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func heartbeatsListTheLiveInstances(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            #expect(try await store.heartbeat(instance: "a", until: at + 10, now: at).map(\.id) == ["a"])
            #expect(try await store.heartbeat(instance: "b", until: at + 12, now: at + 1).map(\.id) == ["a", "b"])
            // a stopped beating: gone once expired.
            #expect(try await store.heartbeat(instance: "b", until: at + 20, now: at + 11).map(\.id) == ["b"])
            try await store.removeInstance("b")
            #expect(try await store.heartbeat(instance: "c", until: at + 30, now: at + 12).map(\.id) == ["c"])
        }
    }

    // MARK: - Retention

    @Test(arguments: StoreKind.allCases)
    func pruneRemovesOnlyWhatRetentionLetsGo(_ kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, _ in
            let day: TimeInterval = 86_400
            let now = at + 100 * day
            let retention = Retention(audit: 30 * day, journal: 10 * day, acted: 20 * day)
            // Audit: 3 old rows, 1 recent.
            try await store.appendAudit((0..<3).map { AuditEntry(at: at + Double($0), rule: "r", group: "g", action: "log", targets: [], mode: .enforce, outcome: .done, detail: "") }
                + [AuditEntry(at: now - day, rule: "r", group: "g", action: "log", targets: [], mode: .enforce, outcome: .done, detail: "recent")])
            // Journal: one closed long ago, one closed recently, one open long ago (never pruned).
            let intent = JournalIntent(session: "s", group: nil, operation: .leave, rules: ["r"], targets: [], detail: "", at: at)
            let old = try await store.openIntent(intent)
            try await store.closeIntent(old, outcome: "done", at: at)
            let recent = try await store.openIntent(intent)
            try await store.closeIntent(recent, outcome: "done", at: now - day)
            let open = try await store.openIntent(intent)
            // Acted: one old, one old but seen listed recently, one recent.
            let bob2 = UserJID("15550000002@s.whatsapp.net")!
            let carol = UserJID("15550000003@s.whatsapp.net")!
            try await store.recordActed([
                ActedRequest(rule: "r", group: group, requester: alice, requestedAt: 1, decision: .approve, at: at),
                ActedRequest(rule: "r", group: group, requester: bob2, requestedAt: 1, decision: .none, at: at),
                ActedRequest(rule: "r", group: group, requester: carol, requestedAt: 1, decision: .reject, at: now - day),
            ])
            let seen = try await store.actedRequests(group: group, requesters: [bob2])
            try await store.touchActed(seen, at: now - day)
            #expect(try await store.actedRequests(group: group, requesters: [bob2]).first?.seen == now - day)

            // A dry run counts and removes nothing; batches of 2 then take the rest.
            #expect(try await store.prune(retention, now: now, batch: 100, dryRun: true) == PruneReport(audit: 3, journal: 1, acted: 1))
            #expect(try await store.audit(since: nil, rule: nil, group: nil).count == 4)
            #expect(try await store.prune(retention, now: now, batch: 2, dryRun: false) == PruneReport(audit: 2, journal: 1, acted: 1))
            #expect(try await store.prune(retention, now: now, batch: 2, dryRun: false) == PruneReport(audit: 1, journal: 0, acted: 0))
            #expect(try await store.prune(retention, now: now, batch: 2, dryRun: false) == PruneReport())
            #expect(try await store.audit(since: nil, rule: nil, group: nil).map(\.detail) == ["recent"])
            #expect(try await store.openIntents().map(\.id) == [open])
            let left = try await store.actedRequests(group: group, requesters: [alice, bob2, carol]).map(\.requester)
            #expect(Set(left) == [bob2, carol])
            _ = recent
        }
    }

    @Test func retentionKeepsActedRecordsAWeekAtLeast() {
        #expect(Retention(audit: 1, journal: 1, acted: 60).acted == Retention.minimumActed)
    }

    @Test func postgresURLsAreCheckedAndShownWithoutSecrets() throws {
        let location = try PostgresLocation.parse("postgres://wadial@db.example:6543/rules?sslmode=require").get()
        #expect(location == PostgresLocation(user: "wadial", host: "db.example", port: 6543, database: "rules", tls: .require))
        #expect(location.description == "postgres://wadial@db.example:6543/rules?sslmode=require")
        #expect(try PostgresLocation.parse("postgresql://me@localhost").get().description == "postgres://me@localhost:5432/me")
        for (bad, says) in [
            ("postgres://me:hunter2@localhost/db", "holds a password"),
            ("postgres://localhost/db", "names no user"),
            ("postgres://me@localhost:70000/db", "65535"),
            ("postgres://me@localhost/db?sslmode=maybe", "is not one of"),
            ("postgres://me@localhost/db?timeout=3", "is not known"),
        ] {
            guard case .failure(let problem) = PostgresLocation.parse(bad) else {
                Issue.record("\(bad) was accepted")
                continue
            }
            #expect(problem.description.contains(says), "\(bad): \(problem)")
            #expect(!problem.description.contains("hunter2"))
        }
        #expect(try PostgresLocation.password(["PGPASSWORD": "pw"]).get() == "pw")
        #expect(try PostgresLocation.password([:]).get() == nil)
    }

    @Test func postgresErrorsNameTheStoreAndNotThePassword() async throws {
        let port = try PostgresTestServer.freePort()
        let location = try PostgresLocation.parse("postgres://wadial@127.0.0.1:\(port)/none?sslmode=disable").get()
        do {
            _ = try await PostgresStateStore.connect(location, password: "s3cret-pw", logger: Logger(label: "test"), timeout: .seconds(2))
            Issue.record("connected to a port nothing listens on")
        } catch {
            let text = "\(error)"
            #expect(text.contains("postgres://wadial@127.0.0.1:\(port)/none"), "\(text)")
            #expect(text.contains("Check that the server runs"), "\(text)")
            #expect(!text.contains("s3cret-pw"))
        }
    }
}
