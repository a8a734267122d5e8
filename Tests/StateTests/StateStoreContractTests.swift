import Foundation
import State
import Testing
import WadialModels

enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, memory
    var testDescription: String { rawValue }
}

/// One contract for both stores. The SQLite one is a real file in a temporary folder.
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
}
