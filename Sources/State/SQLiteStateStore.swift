public import Foundation
internal import GRDB
public import WadialModels

/// The state store in one SQLite file, in WAL mode, through GRDB. Default path:
/// `./.wadial-rules/state.sqlite`; the folder is created.
public final class SQLiteStateStore: StateStore {
    public static let defaultPath = ".wadial-rules/state.sqlite"

    /// Page cache per connection, in KiB, and the most reader connections the pool opens.
    public static let cacheKiB = 512
    public static let maximumReaderCount = 2

    private let pool: DatabasePool
    public let path: String

    /// The identity written into the file when it was created, and the file's device and inode
    /// when it was opened: `checkIdentity` compares them with what is at `path` now.
    public let identity: String
    private let opened: FileIdentity?
    /// True when this store created the file, or found it empty (0 bytes): a fresh start.
    public let isNew: Bool

    /// Opens (or creates) the state file. `maximumPages` caps the file's size in pages (tests use
    /// it to simulate a full disk); nil leaves SQLite's limit.
    public init(path: String = SQLiteStateStore.defaultPath, maximumPages: Int? = nil) throws {
        self.path = path
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int
            isNew = size == nil || size == 0
            (pool, identity) = try Self.open(path, maximumPages: maximumPages)
        } catch {
            throw StateStoreError.cannotOpen(path: path, underlying: error)
        }
        opened = FileIdentity(path: path)
    }

    /// Opens the pool, migrates, and reads (or writes) the file's identity.
    private static func open(_ path: String, maximumPages: Int?) throws -> (DatabasePool, String) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // Bounded memory for a long-running `run`: each connection caches up to 512 KiB of pages
        // (SQLite's default is 2 MiB) and the pool opens at most two readers besides its writer
        // (GRDB's default is five). The state file is read a few keys at a time, so a larger cache
        // only buys resident memory that grows with the file (Benchmarks/README.md, "5. Memory").
        configuration.maximumReaderCount = maximumReaderCount
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
            if let maximumPages { try db.execute(sql: "PRAGMA max_page_count = \(maximumPages)") }
        }
        // DatabasePool opens the file in WAL mode.
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        let identity = try pool.write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'identity'") { return existing }
            let fresh = UUID().uuidString.lowercased()
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('identity', ?)", arguments: [fresh])
            return fresh
        }
        return (pool, identity)
    }

    /// Whether the file at `path` is still the one this store opened: same device and inode.
    /// A deleted, moved or replaced file fails with what happened and what to do; all writes for
    /// the engine then stop until it is back or the engine restarts.
    public func checkIdentity() async throws {
        guard let opened else { return }
        guard let now = FileIdentity(path: path) else { throw StateStoreError.vanished(path: path) }
        guard now.device == opened.device, now.inode == opened.inode else { throw StateStoreError.replaced(path: path) }
        // Truncated to nothing under the engine (the same file, emptied): as good as gone.
        guard now.size > 0 else { throw StateStoreError.emptied(path: path) }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE acted (
                    rule TEXT NOT NULL, grp TEXT NOT NULL, requester TEXT NOT NULL, requested_at INTEGER NOT NULL,
                    decision TEXT NOT NULL, at REAL NOT NULL,
                    PRIMARY KEY (rule, grp, requester, requested_at));
                CREATE INDEX acted_by_request ON acted (grp, requester);
                CREATE TABLE state (
                    kind TEXT NOT NULL, rule TEXT NOT NULL, grp TEXT NOT NULL, sub TEXT NOT NULL, value TEXT NOT NULL,
                    PRIMARY KEY (kind, rule, grp, sub));
                CREATE TABLE journal (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, opened_at REAL NOT NULL, session TEXT NOT NULL, grp TEXT,
                    operation TEXT NOT NULL, rules TEXT NOT NULL, targets TEXT NOT NULL, detail TEXT NOT NULL,
                    outcome TEXT, closed_at REAL);
                CREATE INDEX journal_open ON journal (outcome) WHERE outcome IS NULL;
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, rule TEXT NOT NULL, grp TEXT NOT NULL,
                    action TEXT NOT NULL, targets TEXT NOT NULL, mode TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL);
                CREATE INDEX audit_at ON audit (at);
                """)
        }
        // What reconciliation needs to recognise a decided requester among the members.
        migrator.registerMigration("v2-journal-requests") { db in
            try db.execute(sql: "ALTER TABLE journal ADD COLUMN requests TEXT NOT NULL DEFAULT '[]'")
        }
        // Durable hand-offs: the steps of a rule firing not done yet.
        migrator.registerMigration("v3-handoffs") { db in
            try db.execute(sql: """
                ALTER TABLE journal ADD COLUMN handoff TEXT;
                CREATE TABLE handoffs (
                    id TEXT PRIMARY KEY, session TEXT NOT NULL, grp TEXT NOT NULL, rule TEXT NOT NULL, next_step INTEGER NOT NULL,
                    steps TEXT NOT NULL, vals TEXT NOT NULL, created REAL NOT NULL, deliver_by REAL NOT NULL, attempts INTEGER NOT NULL,
                    next_attempt REAL NOT NULL, last_error TEXT);
                CREATE INDEX handoffs_by_session ON handoffs (session, created);
                """)
        }
        // The file's identity, so that a replaced file is told from the one the engine opened.
        migrator.registerMigration("v4-identity") { db in
            try db.execute(sql: "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        // One active engine per session (leases, the epoch of each intent), and retention.
        migrator.registerMigration("v5-leases") { db in
            try db.execute(sql: """
                ALTER TABLE journal ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE acted ADD COLUMN seen REAL;
                CREATE TABLE leases (session TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch INTEGER NOT NULL, expires REAL NOT NULL);
                CREATE TABLE instances (id TEXT PRIMARY KEY, expires REAL NOT NULL);
                CREATE INDEX journal_closed ON journal (closed_at) WHERE outcome IS NOT NULL;
                CREATE INDEX acted_at ON acted (at);
                """)
        }
        // The kind of group an audit row is about (communities and their announcement groups).
        migrator.registerMigration("v6-kinds") { db in
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN kind TEXT")
        }
        return migrator
    }

    /// A consistent copy of the whole state in a new file at `path` (`VACUUM INTO`): safe while
    /// engines run (they wait for it at most as long as for one of their own writes), and the copy
    /// is a complete database, WAL folded in. Refuses to overwrite a file.
    public func backup(to path: String) async throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupTargetExists() }
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
    }

    public struct BackupTargetExists: Error, CustomStringConvertible {
        public var description: String { "the file exists, and a backup never overwrites one: name a new file" }
    }

    /// The SQLite journal mode, for tests and `audit` to show.
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// The page cache size (`PRAGMA cache_size`, negative means KiB) of a reading and of the
    /// writing connection, for tests.
    public func cacheSizes() throws -> (reader: Int, writer: Int) {
        let reader = try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? 0 }
        let writer = try pool.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? 0 }
        return (reader, writer)
    }

    public func actedRequests(group: GroupJID, requesters: [UserJID]) async throws -> [ActedRequest] {
        guard !requesters.isEmpty else { return [] }
        return try await pool.read { db in
            var result: [ActedRequest] = []
            // In chunks: SQLite caps the number of bound parameters.
            for chunk in stride(from: 0, to: requesters.count, by: 500).map({ Array(requesters[$0..<min($0 + 500, requesters.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM acted WHERE grp = ? AND requester IN (\(marks)) ORDER BY at, rule",
                    arguments: StatementArguments([group.rawValue] + chunk.map(\.rawValue)))
                for row in rows {
                    guard let requester = UserJID(row["requester"]),
                          let decision = ActedRequest.decision(stored: row["decision"])
                    else { continue }
                    let seen: Double? = row["seen"]
                    result.append(ActedRequest(rule: row["rule"], group: group, requester: requester, requestedAt: row["requested_at"],
                                               decision: decision, at: Date(timeIntervalSince1970: row["at"]), seen: seen.map(Date.init(timeIntervalSince1970:))))
                }
            }
            return result
        }
    }

    public func recordActed(_ records: [ActedRequest]) async throws {
        guard !records.isEmpty else { return }
        try await pool.write { db in
            for record in records {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO acted (rule, grp, requester, requested_at, decision, at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [record.rule, record.group.rawValue, record.requester.rawValue, record.requestedAt, record.storedDecision,
                                record.at.timeIntervalSince1970])
            }
        }
    }

    public func values(_ kind: StateKind) async throws -> [StateKey: String] {
        try await pool.read { db in
            var result: [StateKey: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT rule, grp, sub, value FROM state WHERE kind = ?", arguments: [kind.rawValue]) {
                result[StateKey(kind, rule: row["rule"], group: row["grp"], sub: row["sub"])] = row["value"]
            }
            return result
        }
    }

    public func commit(_ changes: [(key: StateKey, value: String?)], handOffs: [HandOff]) async throws {
        guard !changes.isEmpty || !handOffs.isEmpty else { return }
        try await pool.write { db in
            for (key, value) in changes {
                if let value {
                    try db.execute(sql: "INSERT OR REPLACE INTO state (kind, rule, grp, sub, value) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [key.kind.rawValue, key.rule, key.group, key.sub, value])
                } else {
                    try db.execute(sql: "DELETE FROM state WHERE kind = ? AND rule = ? AND grp = ? AND sub = ?",
                                   arguments: [key.kind.rawValue, key.rule, key.group, key.sub])
                }
            }
            for handOff in handOffs { try Self.save(handOff, db) }
        }
    }

    private static func save(_ handOff: HandOff, _ db: Database) throws {
        let values = StoredJSON.values(handOff.values)
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO handoffs (id, session, grp, rule, next_step, steps, vals, created, deliver_by, attempts, next_attempt, last_error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [handOff.id, handOff.session, handOff.group, handOff.rule, handOff.nextStep, handOff.stepsFingerprint, values,
                        handOff.created.timeIntervalSince1970, handOff.deliverBy.timeIntervalSince1970, handOff.attempts,
                        handOff.nextAttempt.timeIntervalSince1970, handOff.lastError])
    }

    public func saveHandOff(_ handOff: HandOff) async throws {
        try await pool.write { db in try Self.save(handOff, db) }
    }

    public func removeHandOff(id: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM handoffs WHERE id = ?", arguments: [id]) }
    }

    public func handOffs(session: String) async throws -> [HandOff] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM handoffs WHERE session = ? ORDER BY created, id", arguments: [session]).map { row in
                let values = StoredJSON.values(row["vals"] as String)
                return HandOff(id: row["id"], session: row["session"], group: row["grp"], rule: row["rule"], nextStep: row["next_step"],
                               stepsFingerprint: row["steps"], values: values, created: Date(timeIntervalSince1970: row["created"]),
                               deliverBy: Date(timeIntervalSince1970: row["deliver_by"]), attempts: row["attempts"],
                               nextAttempt: Date(timeIntervalSince1970: row["next_attempt"]), lastError: row["last_error"])
            }
        }
    }

    public func openIntent(_ intent: JournalIntent) async throws -> Int64 {
        try await immediate { db in
            if intent.epoch > 0 {
                let lease = try Self.lease(intent.session, db)
                guard let lease, lease.epoch == intent.epoch, lease.isHeld(at: intent.at) else {
                    throw LeaseFenced(session: intent.session, epoch: intent.epoch, current: lease)
                }
            }
            try db.execute(
                sql: "INSERT INTO journal (opened_at, session, grp, operation, rules, targets, requests, handoff, detail, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [intent.at.timeIntervalSince1970, intent.session, intent.group, intent.operation.description, StoredJSON.list(intent.rules),
                            StoredJSON.list(intent.targets), StoredJSON.requests(intent.requests), intent.handOff, intent.detail, intent.epoch])
            return db.lastInsertedRowID
        }
    }

    /// A write transaction that takes SQLite's write lock at its start (`BEGIN IMMEDIATE`), so
    /// that what it reads cannot change under it in another process before it writes.
    private func immediate<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { throw DatabaseError(message: "the transaction ended without a result") }
            return result
        }
    }

    private static func lease(_ session: String, _ db: Database) throws -> Lease? {
        try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE session = ?", arguments: [session]).map(lease)
    }

    private static func lease(_ row: Row) -> Lease {
        Lease(session: row["session"], holder: row["holder"], epoch: row["epoch"], expires: Date(timeIntervalSince1970: row["expires"]))
    }

    public func claimLease(session: String, holder: String, until expires: Date, now: Date, replacing dead: String?) async throws -> LeaseClaim {
        try await immediate { db in
            let claim = LeaseProtocol.claim(try Self.lease(session, db), session: session, holder: holder, until: expires, now: now, replacing: dead)
            if case .held(let lease) = claim {
                try db.execute(sql: "INSERT OR REPLACE INTO leases (session, holder, epoch, expires) VALUES (?, ?, ?, ?)",
                               arguments: [lease.session, lease.holder, lease.epoch, lease.expires.timeIntervalSince1970])
            }
            return claim
        }
    }

    public func releaseLease(session: String, holder: String, now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE leases SET holder = '', expires = ? WHERE session = ? AND holder = ?",
                           arguments: [now.timeIntervalSince1970, session, holder])
        }
    }

    public func leases() async throws -> [Lease] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM leases ORDER BY session").map(Self.lease) }
    }

    public func heartbeat(instance: String, until expires: Date, now: Date) async throws -> [LiveInstance] {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO instances (id, expires) VALUES (?, ?)", arguments: [instance, expires.timeIntervalSince1970])
            // Instances long dead are forgotten (an hour after their last heartbeat expired).
            try db.execute(sql: "DELETE FROM instances WHERE expires < ?", arguments: [now.timeIntervalSince1970 - 3600])
            return try Row.fetchAll(db, sql: "SELECT id, expires FROM instances WHERE expires > ? ORDER BY id", arguments: [now.timeIntervalSince1970]).map {
                LiveInstance(id: $0["id"], expires: Date(timeIntervalSince1970: $0["expires"]))
            }
        }
    }

    public func removeInstance(_ id: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM instances WHERE id = ?", arguments: [id]) }
    }

    public func touchActed(_ records: [ActedRequest], at date: Date) async throws {
        guard !records.isEmpty else { return }
        try await pool.write { db in
            for record in records {
                try db.execute(sql: "UPDATE acted SET seen = ? WHERE rule = ? AND grp = ? AND requester = ? AND requested_at = ?",
                               arguments: [date.timeIntervalSince1970, record.rule, record.group.rawValue, record.requester.rawValue, record.requestedAt])
            }
        }
    }

    public func prune(_ retention: Retention, now: Date, batch: Int, dryRun: Bool) async throws -> PruneReport {
        let limit = max(batch, 0)
        let audit = now.timeIntervalSince1970 - retention.audit
        let journal = now.timeIntervalSince1970 - retention.journal
        let acted = now.timeIntervalSince1970 - retention.acted
        let kinds: [(table: String, key: String, condition: String, cut: Double)] = [
            ("audit", "id", "at < ?", audit),
            ("journal", "id", "outcome IS NOT NULL AND closed_at < ?", journal),
            ("acted", "rowid", "at < ?1 AND (seen IS NULL OR seen < ?1)", acted),
        ]
        var counts: [Int] = []
        for kind in kinds {
            let select = "SELECT \(kind.key) FROM \(kind.table) WHERE \(kind.condition) ORDER BY \(kind.key) LIMIT \(limit)"
            if dryRun {
                counts.append(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(select))", arguments: [kind.cut]) ?? 0 })
            } else {
                // Each kind in its own short transaction: a tick waits for one batch at most.
                counts.append(try await pool.write { db in
                    try db.execute(sql: "DELETE FROM \(kind.table) WHERE \(kind.key) IN (\(select))", arguments: [kind.cut])
                    return db.changesCount
                })
            }
        }
        return PruneReport(audit: counts[0], journal: counts[1], acted: counts[2])
    }

    public func closeIntent(_ id: Int64, outcome: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE journal SET outcome = ?, closed_at = ? WHERE id = ?", arguments: [outcome, at.timeIntervalSince1970, id])
        }
    }

    public func openIntents() async throws -> [JournalEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM journal WHERE outcome IS NULL ORDER BY id").map { row in
                JournalEntry(
                    id: row["id"],
                    intent: JournalIntent(session: row["session"], group: row["grp"], operation: JournalOperation(stored: row["operation"]), rules: StoredJSON.unlist(row["rules"]),
                                          targets: StoredJSON.unlist(row["targets"]), requests: StoredJSON.requests(row["requests"] as String), handOff: row["handoff"], detail: row["detail"],
                                          at: Date(timeIntervalSince1970: row["opened_at"]), epoch: row["epoch"]),
                    outcome: nil, closedAt: nil)
            }
        }
    }

    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await pool.write { db in
            for entry in entries {
                try db.execute(
                    sql: "INSERT INTO audit (at, rule, grp, action, targets, mode, outcome, detail, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [entry.at.timeIntervalSince1970, entry.rule, entry.group, entry.action, StoredJSON.list(entry.targets), entry.mode.rawValue,
                                entry.outcome.rawValue, entry.detail, entry.groupKind?.rawValue])
            }
        }
    }

    public func latestDecisions(limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE action LIKE '%\\_requests' ESCAPE '\\' ORDER BY id DESC LIMIT ?", arguments: [max(limit, 0)]).map(Self.auditEntry)
        }
    }

    private static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(at: Date(timeIntervalSince1970: row["at"]), rule: row["rule"], group: row["grp"], action: row["action"],
                   targets: StoredJSON.unlist(row["targets"]), mode: AuditMode(rawValue: row["mode"]) ?? .enforce,
                   outcome: AuditOutcome(stored: row["outcome"]), detail: row["detail"],
                   groupKind: (row["kind"] as String?).flatMap(GroupKind.init(rawValue:)))
    }

    public func audit(since: Date?, rule: String?, group: String?) async throws -> [AuditEntry] {
        try await pool.read { db in
            var sql = "SELECT * FROM audit WHERE at >= ?"
            var arguments: [any DatabaseValueConvertible] = [since?.timeIntervalSince1970 ?? 0]
            if let rule {
                sql += " AND rule = ?"
                arguments.append(rule)
            }
            if let group {
                sql += " AND grp = ?"
                arguments.append(group)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(arguments)).map(Self.auditEntry)
        }
    }
}
