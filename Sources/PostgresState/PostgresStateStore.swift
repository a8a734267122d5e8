public import Foundation
public import Logging
import NIOCore
import PostgresNIO
public import State
public import WadialModels

/// The state store on a PostgreSQL database that several engines (on several machines) share:
/// the same contract as `SQLiteStateStore`, through postgres-nio's pooled `PostgresClient`.
///
/// Its tables are prefixed `wadial_`, so the database may hold other things. The schema is
/// migrated on connect under an advisory lock (engines starting together migrate once). Times
/// are stored as seconds since 1970, as in the SQLite file. The password never appears in a
/// description, a log line or an error.
public final class PostgresStateStore: StateStore {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    public let location: PostgresLocation
    /// The identity written into the database when its schema was made: `checkIdentity` fails
    /// when it changes (the database dropped and made again under the engine).
    public let identity: String
    /// The server's clock minus this machine's, in seconds, as read on connect: leases compare
    /// times of different machines, so the skew must stay well under the lease margin.
    public let clockSkew: Double

    private init(client: PostgresClient, runner: Task<Void, Never>, location: PostgresLocation, identity: String, clockSkew: Double, logger: Logger) {
        self.clockSkew = clockSkew
        self.client = client
        self.runner = runner
        self.location = location
        self.identity = identity
        self.logger = logger
    }

    /// Connects (the pool runs until `close`), migrates the schema and reads its identity.
    public static func connect(_ location: PostgresLocation, password: String?, logger: Logger, timeout: Duration = .seconds(10)) async throws -> PostgresStateStore {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: password, database: location.database,
            tls: location.tls.configuration)
        configuration.options.connectTimeout = timeout
        // A statement the server holds longer than this is cancelled: nothing a tick does takes it.
        configuration.options.additionalStartupParameters = [("statement_timeout", "30000")]
        configuration.options.maximumConnections = 4
        var muted = logger
        muted.logLevel = .error
        let quiet = muted
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        let runner = Task { await client.run() }
        do {
            // The pool retries a refused connection for a long while: the first answer must come
            // within `timeout`, or the store is reported unreachable.
            let (identity, server) = try await withDeadline(timeout) {
                let identity = try await migrate(client, logger: quiet)
                let clock = try await client.query(PostgresQuery(unsafeSQL: "SELECT extract(epoch FROM clock_timestamp())::float8 AS now"), logger: quiet).collect()
                return (identity, try clock.first?.makeRandomAccess()["now"].decode(Double.self))
            }
            return PostgresStateStore(client: client, runner: runner, location: location, identity: identity,
                                      clockSkew: server.map { $0 - Date().timeIntervalSince1970 } ?? 0, logger: quiet)
        } catch is DeadlineExceeded {
            runner.cancel()
            _ = await runner.value
            throw PostgresStoreError(location: location, doing: "connect to",
                                     reason: "no answer within \(timeout.components.seconds) s. Check that the server runs and accepts connections from this machine")
        } catch {
            runner.cancel()
            _ = await runner.value
            throw PostgresStoreError(location: location, doing: "connect to", underlying: error)
        }
    }

    /// Stops the pool; the store is unusable after it.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: - Schema

    /// Each migration's statements, applied once, in order, each version in one transaction.
    static let migrations: [(name: String, statements: [String])] = [
        ("v1", [
            """
            CREATE TABLE wadial_acted (
                rule TEXT NOT NULL, grp TEXT NOT NULL, requester TEXT NOT NULL, requested_at BIGINT NOT NULL,
                decision TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, seen DOUBLE PRECISION,
                PRIMARY KEY (rule, grp, requester, requested_at))
            """,
            "CREATE INDEX wadial_acted_by_request ON wadial_acted (grp, requester)",
            "CREATE INDEX wadial_acted_at ON wadial_acted (at)",
            """
            CREATE TABLE wadial_state (
                kind TEXT NOT NULL, rule TEXT NOT NULL, grp TEXT NOT NULL, sub TEXT NOT NULL, value TEXT NOT NULL,
                PRIMARY KEY (kind, rule, grp, sub))
            """,
            """
            CREATE TABLE wadial_journal (
                id BIGSERIAL PRIMARY KEY, opened_at DOUBLE PRECISION NOT NULL, session TEXT NOT NULL, grp TEXT,
                operation TEXT NOT NULL, rules TEXT NOT NULL, targets TEXT NOT NULL, requests TEXT NOT NULL, handoff TEXT,
                detail TEXT NOT NULL, outcome TEXT, closed_at DOUBLE PRECISION, epoch BIGINT NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX wadial_journal_open ON wadial_journal (id) WHERE outcome IS NULL",
            "CREATE INDEX wadial_journal_closed ON wadial_journal (closed_at) WHERE outcome IS NOT NULL",
            """
            CREATE TABLE wadial_audit (
                id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, rule TEXT NOT NULL, grp TEXT NOT NULL, action TEXT NOT NULL,
                targets TEXT NOT NULL, mode TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL)
            """,
            "CREATE INDEX wadial_audit_at ON wadial_audit (at)",
            """
            CREATE TABLE wadial_handoffs (
                id TEXT PRIMARY KEY, session TEXT NOT NULL, grp TEXT NOT NULL, rule TEXT NOT NULL, next_step BIGINT NOT NULL,
                steps TEXT NOT NULL, vals TEXT NOT NULL, created DOUBLE PRECISION NOT NULL, deliver_by DOUBLE PRECISION NOT NULL,
                attempts BIGINT NOT NULL, next_attempt DOUBLE PRECISION NOT NULL, last_error TEXT)
            """,
            "CREATE INDEX wadial_handoffs_by_session ON wadial_handoffs (session, created)",
            "CREATE TABLE wadial_leases (session TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch BIGINT NOT NULL, expires DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE wadial_instances (id TEXT PRIMARY KEY, expires DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE wadial_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ]),
        ("v2-kinds", ["ALTER TABLE wadial_audit ADD COLUMN kind TEXT"]),
    ]

    /// Applies the migrations not applied yet, under a transaction-scoped advisory lock; returns
    /// the database's identity (made on the first migration).
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> String {
        try await client.withTransaction(logger: logger) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(7081865474)"), logger: logger).collect()
            _ = try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS wadial_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """), logger: logger).collect()
            var applied: Set<String> = []
            for row in try await connection.query(PostgresQuery(unsafeSQL: "SELECT name FROM wadial_migrations"), logger: logger).collect() {
                applied.insert(try row.makeRandomAccess()["name"].decode(String.self))
            }
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                }
                var binds = PostgresBindings()
                binds.append(migration.name)
                _ = try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO wadial_migrations (name) VALUES ($1)", binds: binds), logger: logger).collect()
            }
            var binds = PostgresBindings()
            binds.append(UUID().uuidString.lowercased())
            _ = try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO wadial_meta (key, value) VALUES ('identity', $1) ON CONFLICT DO NOTHING", binds: binds),
                                           logger: logger).collect()
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT value FROM wadial_meta WHERE key = 'identity'"), logger: logger).collect()
            return try rows.first?.makeRandomAccess()["value"].decode(String.self) ?? ""
        }
    }

    // MARK: - Queries

    /// A bound value.
    enum Bind {
        case text(String?)
        case int(Int64)
        case double(Double?)
    }

    private static func bindings(_ values: [Bind]) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): binds.append(text)
            case .int(let number): binds.append(number)
            case .double(let number): binds.append(number)
            }
        }
        return binds
    }

    private func rows(_ sql: String, _ values: [Bind]) async throws -> [PostgresRandomAccessRow] {
        try await client.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(values)), logger: logger).collect().map { $0.makeRandomAccess() }
    }

    private func execute(_ sql: String, _ values: [Bind]) async throws {
        _ = try await rows(sql, values)
    }

    private static func rows(_ connection: PostgresConnection, _ sql: String, _ values: [Bind], logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings(values)), logger: logger).collect().map { $0.makeRandomAccess() }
    }

    /// Runs `body` in one transaction; errors name the store and what was being done.
    private func transaction<T: Sendable>(_ doing: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as LeaseFenced {
            throw error
        } catch let error as PostgresTransactionError where error.closureError is LeaseFenced {
            throw error.closureError ?? error
        } catch {
            throw PostgresStoreError(location: location, doing: doing, underlying: error)
        }
    }

    private func guarded<T>(_ doing: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw PostgresStoreError(location: location, doing: doing, underlying: error)
        }
    }

    // MARK: - StateStore

    public func checkIdentity() async throws {
        let found = try await guarded("read the identity of") { try await rows("SELECT value FROM wadial_meta WHERE key = 'identity'", []) }
        let now = try found.first?["value"].decode(String.self)
        guard now == identity else {
            throw PostgresStoreError(location: location, doing: "recognise",
                                     reason: "the database is not the one the engine connected to (its wadial_meta identity changed); nothing is written. Restart the engine to use it")
        }
    }

    public func actedRequests(group: GroupJID, requesters: [UserJID]) async throws -> [ActedRequest] {
        guard !requesters.isEmpty else { return [] }
        return try await guarded("read decided requests from") {
            var result: [ActedRequest] = []
            for start in stride(from: 0, to: requesters.count, by: 1000) {
                let chunk = requesters[start..<min(start + 1000, requesters.count)]
                let marks = chunk.indices.map { "$\($0 - start + 2)" }.joined(separator: ",")
                let rows = try await rows("SELECT * FROM wadial_acted WHERE grp = $1 AND requester IN (\(marks)) ORDER BY at, rule",
                                          [.text(group.rawValue)] + chunk.map { .text($0.rawValue) })
                for row in rows {
                    guard let requester = UserJID(try row["requester"].decode(String.self)),
                          let decision = ActedRequest.decision(stored: try row["decision"].decode(String.self))
                    else { continue }
                    let seen = try row["seen"].decode(Double?.self)
                    result.append(ActedRequest(rule: try row["rule"].decode(String.self), group: group, requester: requester,
                                               requestedAt: try row["requested_at"].decode(Int64.self), decision: decision,
                                               at: Date(timeIntervalSince1970: try row["at"].decode(Double.self)),
                                               seen: seen.map(Date.init(timeIntervalSince1970:))))
                }
            }
            return result
        }
    }

    public func recordActed(_ records: [ActedRequest]) async throws {
        guard !records.isEmpty else { return }
        try await transaction("record decided requests in") { connection in
            for record in records {
                _ = try await Self.rows(connection, """
                    INSERT INTO wadial_acted (rule, grp, requester, requested_at, decision, at, seen) VALUES ($1, $2, $3, $4, $5, $6, NULL)
                    ON CONFLICT (rule, grp, requester, requested_at) DO UPDATE SET decision = EXCLUDED.decision, at = EXCLUDED.at, seen = NULL
                    """, [.text(record.rule), .text(record.group.rawValue), .text(record.requester.rawValue), .int(record.requestedAt),
                          .text(record.storedDecision), .double(record.at.timeIntervalSince1970)], logger: logger)
            }
        }
    }

    public func values(_ kind: StateKind) async throws -> [StateKey: String] {
        try await guarded("read state from") {
            var result: [StateKey: String] = [:]
            for row in try await rows("SELECT rule, grp, sub, value FROM wadial_state WHERE kind = $1", [.text(kind.rawValue)]) {
                result[StateKey(kind, rule: try row["rule"].decode(String.self), group: try row["grp"].decode(String.self),
                                sub: try row["sub"].decode(String.self))] = try row["value"].decode(String.self)
            }
            return result
        }
    }

    public func commit(_ changes: [(key: StateKey, value: String?)], handOffs: [HandOff]) async throws {
        guard !changes.isEmpty || !handOffs.isEmpty else { return }
        let logger = logger
        try await transaction("write the tick's state to") { connection in
            for (key, value) in changes {
                if let value {
                    _ = try await Self.rows(connection, """
                        INSERT INTO wadial_state (kind, rule, grp, sub, value) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (kind, rule, grp, sub) DO UPDATE SET value = EXCLUDED.value
                        """, [.text(key.kind.rawValue), .text(key.rule), .text(key.group), .text(key.sub), .text(value)], logger: logger)
                } else {
                    _ = try await Self.rows(connection, "DELETE FROM wadial_state WHERE kind = $1 AND rule = $2 AND grp = $3 AND sub = $4",
                                            [.text(key.kind.rawValue), .text(key.rule), .text(key.group), .text(key.sub)], logger: logger)
                }
            }
            for handOff in handOffs { try await Self.save(handOff, connection, logger: logger) }
        }
    }

    private static func save(_ handOff: HandOff, _ connection: PostgresConnection, logger: Logger) async throws {
        let values = StoredJSON.values(handOff.values)
        _ = try await rows(connection, """
            INSERT INTO wadial_handoffs (id, session, grp, rule, next_step, steps, vals, created, deliver_by, attempts, next_attempt, last_error)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (id) DO UPDATE SET session = EXCLUDED.session, grp = EXCLUDED.grp, rule = EXCLUDED.rule, next_step = EXCLUDED.next_step,
                steps = EXCLUDED.steps, vals = EXCLUDED.vals, created = EXCLUDED.created, deliver_by = EXCLUDED.deliver_by,
                attempts = EXCLUDED.attempts, next_attempt = EXCLUDED.next_attempt, last_error = EXCLUDED.last_error
            """, [.text(handOff.id), .text(handOff.session), .text(handOff.group), .text(handOff.rule), .int(Int64(handOff.nextStep)),
                  .text(handOff.stepsFingerprint), .text(values), .double(handOff.created.timeIntervalSince1970),
                  .double(handOff.deliverBy.timeIntervalSince1970), .int(Int64(handOff.attempts)),
                  .double(handOff.nextAttempt.timeIntervalSince1970), .text(handOff.lastError)], logger: logger)
    }

    public func saveHandOff(_ handOff: HandOff) async throws {
        let logger = logger
        try await transaction("save a hand-off in") { connection in try await Self.save(handOff, connection, logger: logger) }
    }

    public func removeHandOff(id: String) async throws {
        try await guarded("remove a hand-off from") { try await execute("DELETE FROM wadial_handoffs WHERE id = $1", [.text(id)]) }
    }

    public func handOffs(session: String) async throws -> [HandOff] {
        try await guarded("read hand-offs from") {
            try await rows("SELECT * FROM wadial_handoffs WHERE session = $1 ORDER BY created, id", [.text(session)]).map { row in
                let values = StoredJSON.values(try row["vals"].decode(String.self))
                return HandOff(
                    id: try row["id"].decode(String.self), session: try row["session"].decode(String.self), group: try row["grp"].decode(String.self),
                    rule: try row["rule"].decode(String.self), nextStep: Int(clamping: try row["next_step"].decode(Int64.self)),
                    stepsFingerprint: try row["steps"].decode(String.self), values: values,
                    created: Date(timeIntervalSince1970: try row["created"].decode(Double.self)),
                    deliverBy: Date(timeIntervalSince1970: try row["deliver_by"].decode(Double.self)),
                    attempts: Int(clamping: try row["attempts"].decode(Int64.self)),
                    nextAttempt: Date(timeIntervalSince1970: try row["next_attempt"].decode(Double.self)),
                    lastError: try row["last_error"].decode(String?.self))
            }
        }
    }

    private static func lease(_ row: PostgresRandomAccessRow) throws -> Lease {
        Lease(session: try row["session"].decode(String.self), holder: try row["holder"].decode(String.self),
              epoch: try row["epoch"].decode(Int64.self), expires: Date(timeIntervalSince1970: try row["expires"].decode(Double.self)))
    }

    /// The session's lease row, locked until the transaction ends (made first when missing, so
    /// that two engines claiming a new session meet on one row).
    private static func lockedLease(_ session: String, _ connection: PostgresConnection, logger: Logger) async throws -> Lease? {
        try await rows(connection, "SELECT * FROM wadial_leases WHERE session = $1 FOR UPDATE", [.text(session)], logger: logger).first.map(lease)
    }

    public func openIntent(_ intent: JournalIntent) async throws -> Int64 {
        let logger = logger
        return try await transaction("journal a write in") { connection in
            if intent.epoch > 0 {
                // FOR SHARE: a take-over (which locks the row for update) waits for this intent, or
                // this intent sees the new epoch and is refused.
                let rows = try await Self.rows(connection, "SELECT * FROM wadial_leases WHERE session = $1 FOR SHARE", [.text(intent.session)], logger: logger)
                let lease = try rows.first.map(Self.lease)
                guard let lease, lease.epoch == intent.epoch, lease.isHeld(at: intent.at) else {
                    throw LeaseFenced(session: intent.session, epoch: intent.epoch, current: lease)
                }
            }
            let requests = StoredJSON.requests(intent.requests)
            let rows = try await Self.rows(connection, """
                INSERT INTO wadial_journal (opened_at, session, grp, operation, rules, targets, requests, handoff, detail, epoch)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
                """, [.double(intent.at.timeIntervalSince1970), .text(intent.session), .text(intent.group), .text(intent.operation.description),
                      .text(StoredJSON.list(intent.rules)), .text(StoredJSON.list(intent.targets)), .text(requests), .text(intent.handOff), .text(intent.detail),
                      .int(intent.epoch)], logger: logger)
            return try rows.first?["id"].decode(Int64.self) ?? 0
        }
    }

    public func closeIntent(_ id: Int64, outcome: String, at: Date) async throws {
        try await guarded("close a journal intent in") {
            try await execute("UPDATE wadial_journal SET outcome = $1, closed_at = $2 WHERE id = $3",
                              [.text(outcome), .double(at.timeIntervalSince1970), .int(id)])
        }
    }

    public func openIntents() async throws -> [JournalEntry] {
        try await guarded("read the journal from") {
            try await rows("SELECT * FROM wadial_journal WHERE outcome IS NULL ORDER BY id", []).map { row in
                let requests = StoredJSON.requests(try row["requests"].decode(String.self))
                return JournalEntry(
                    id: try row["id"].decode(Int64.self),
                    intent: JournalIntent(
                        session: try row["session"].decode(String.self), group: try row["grp"].decode(String?.self),
                        operation: JournalOperation(stored: try row["operation"].decode(String.self)),
                        rules: StoredJSON.unlist(try row["rules"].decode(String.self)), targets: StoredJSON.unlist(try row["targets"].decode(String.self)),
                        requests: requests, handOff: try row["handoff"].decode(String?.self), detail: try row["detail"].decode(String.self),
                        at: Date(timeIntervalSince1970: try row["opened_at"].decode(Double.self)), epoch: try row["epoch"].decode(Int64.self)),
                    outcome: nil, closedAt: nil)
            }
        }
    }

    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        let logger = logger
        try await transaction("write the audit trail to") { connection in
            for entry in entries {
                _ = try await Self.rows(connection, """
                    INSERT INTO wadial_audit (at, rule, grp, action, targets, mode, outcome, detail, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """, [.double(entry.at.timeIntervalSince1970), .text(entry.rule), .text(entry.group), .text(entry.action),
                          .text(StoredJSON.list(entry.targets)), .text(entry.mode.rawValue), .text(entry.outcome.rawValue), .text(entry.detail),
                          .text(entry.groupKind?.rawValue)], logger: logger)
            }
        }
    }

    public func latestDecisions(limit: Int) async throws -> [AuditEntry] {
        try await guarded("read the audit trail from") {
            try await rows("SELECT * FROM wadial_audit WHERE action LIKE '%\\_requests' ORDER BY id DESC LIMIT $1", [.int(Int64(max(limit, 0)))]).map(Self.auditEntry)
        }
    }

    private static func auditEntry(_ row: PostgresRandomAccessRow) throws -> AuditEntry {
        AuditEntry(at: Date(timeIntervalSince1970: try row["at"].decode(Double.self)), rule: try row["rule"].decode(String.self),
                   group: try row["grp"].decode(String.self), action: try row["action"].decode(String.self),
                   targets: StoredJSON.unlist(try row["targets"].decode(String.self)),
                   mode: AuditMode(rawValue: try row["mode"].decode(String.self)) ?? .enforce,
                   outcome: AuditOutcome(stored: try row["outcome"].decode(String.self)), detail: try row["detail"].decode(String.self),
                   groupKind: try row["kind"].decode(String?.self).flatMap(GroupKind.init(rawValue:)))
    }

    public func audit(since: Date?, rule: String?, group: String?) async throws -> [AuditEntry] {
        try await guarded("read the audit trail from") {
            var sql = "SELECT * FROM wadial_audit WHERE at >= $1"
            var values: [Bind] = [.double(since?.timeIntervalSince1970 ?? 0)]
            if let rule {
                values.append(.text(rule))
                sql += " AND rule = $\(values.count)"
            }
            if let group {
                values.append(.text(group))
                sql += " AND grp = $\(values.count)"
            }
            return try await rows(sql + " ORDER BY id", values).map(Self.auditEntry)
        }
    }

    public func claimLease(session: String, holder: String, until expires: Date, now: Date, replacing dead: String?) async throws -> LeaseClaim {
        let logger = logger
        return try await transaction("claim a session's lease in") { connection in
            _ = try await Self.rows(connection, "INSERT INTO wadial_leases (session, holder, epoch, expires) VALUES ($1, '', 0, 0) ON CONFLICT DO NOTHING",
                                    [.text(session)], logger: logger)
            let current = try await Self.lockedLease(session, connection, logger: logger)
            // The row made just now (epoch 0, never held) counts as no lease at all.
            let claim = LeaseProtocol.claim(current?.epoch == 0 ? nil : current, session: session, holder: holder, until: expires, now: now, replacing: dead)
            if case .held(let lease) = claim {
                _ = try await Self.rows(connection, "UPDATE wadial_leases SET holder = $2, epoch = $3, expires = $4 WHERE session = $1",
                                        [.text(session), .text(lease.holder), .int(lease.epoch), .double(lease.expires.timeIntervalSince1970)], logger: logger)
            }
            return claim
        }
    }

    public func releaseLease(session: String, holder: String, now: Date) async throws {
        try await guarded("hand a lease back in") {
            try await execute("UPDATE wadial_leases SET holder = '', expires = $3 WHERE session = $1 AND holder = $2",
                              [.text(session), .text(holder), .double(now.timeIntervalSince1970)])
        }
    }

    public func leases() async throws -> [Lease] {
        try await guarded("read the leases from") {
            try await rows("SELECT * FROM wadial_leases WHERE epoch > 0 ORDER BY session", []).map(Self.lease)
        }
    }

    public func heartbeat(instance: String, until expires: Date, now: Date) async throws -> [LiveInstance] {
        let logger = logger
        return try await transaction("record this engine as alive in") { connection in
            _ = try await Self.rows(connection, """
                INSERT INTO wadial_instances (id, expires) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET expires = EXCLUDED.expires
                """, [.text(instance), .double(expires.timeIntervalSince1970)], logger: logger)
            _ = try await Self.rows(connection, "DELETE FROM wadial_instances WHERE expires < $1", [.double(now.timeIntervalSince1970 - 3600)], logger: logger)
            return try await Self.rows(connection, "SELECT id, expires FROM wadial_instances WHERE expires > $1 ORDER BY id",
                                       [.double(now.timeIntervalSince1970)], logger: logger).map {
                LiveInstance(id: try $0["id"].decode(String.self), expires: Date(timeIntervalSince1970: try $0["expires"].decode(Double.self)))
            }
        }
    }

    public func removeInstance(_ id: String) async throws {
        try await guarded("forget an engine in") { try await execute("DELETE FROM wadial_instances WHERE id = $1", [.text(id)]) }
    }

    public func touchActed(_ records: [ActedRequest], at date: Date) async throws {
        guard !records.isEmpty else { return }
        let logger = logger
        try await transaction("refresh decided requests in") { connection in
            for record in records {
                _ = try await Self.rows(connection, "UPDATE wadial_acted SET seen = $1 WHERE rule = $2 AND grp = $3 AND requester = $4 AND requested_at = $5",
                                        [.double(date.timeIntervalSince1970), .text(record.rule), .text(record.group.rawValue),
                                         .text(record.requester.rawValue), .int(record.requestedAt)], logger: logger)
            }
        }
    }

    public func prune(_ retention: Retention, now: Date, batch: Int, dryRun: Bool) async throws -> PruneReport {
        let limit = max(batch, 0)
        let kinds: [(table: String, key: String, condition: String, cut: Double)] = [
            ("wadial_audit", "id", "at < $1", now.timeIntervalSince1970 - retention.audit),
            ("wadial_journal", "id", "outcome IS NOT NULL AND closed_at < $1", now.timeIntervalSince1970 - retention.journal),
            ("wadial_acted", "ctid", "at < $1 AND (seen IS NULL OR seen < $1)", now.timeIntervalSince1970 - retention.acted),
        ]
        var counts: [Int] = []
        for kind in kinds {
            let select = "SELECT \(kind.key) FROM \(kind.table) WHERE \(kind.condition) LIMIT \(limit)"
            let sql = dryRun ? "SELECT count(*)::int8 AS n FROM (\(select)) AS old"
                : "WITH gone AS (DELETE FROM \(kind.table) WHERE \(kind.key) IN (\(select)) RETURNING 1) SELECT count(*)::int8 AS n FROM gone"
            let counted = try await guarded("prune old records in") { try await rows(sql, [.double(kind.cut)]) }
            counts.append(Int(clamping: try counted.first?["n"].decode(Int64.self) ?? 0))
        }
        return PruneReport(audit: counts[0], journal: counts[1], acted: counts[2])
    }
}
