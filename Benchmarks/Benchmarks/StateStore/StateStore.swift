import Benchmark
import Foundation
import Logging
import PostgresState
import State
import TestSupport
import WadialModels

// The state store under a steady load, driven directly (no engine, no API): each simulated tick
// does what a tick of one busy group does to the store — reads the acted-on records of the 20
// requests it lists, journals one decision and closes it, records the 20 decisions, appends 20
// audit rows, commits one state value — and then, with retention, what `run` prunes after a round.
//
// 1. Size: 20 simulated days at one tick every 10 minutes (2,880 ticks, 57,600 decisions), on a
//    SQLite file, with the shortest retention (audit and journal 1 day, acted-on records 7
//    days) and without any: rows and file size at day 10 and day 20.
// 2. A tick's store time, SQLite against PostgreSQL (a private cluster started here, as the tests
//    start theirs): wall clock of one simulated tick, retention on.
let benchmarks: @Sendable () -> Void = {
    let day: TimeInterval = 86_400
    let retention = Retention(audit: day, journal: day, acted: 7 * day)
    let group = GroupJID("120363000000000001@g.us")!
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// One simulated tick at `now`: the store traffic of one group with 20 new requests.
    @Sendable func tick(_ store: any StateStore, _ index: Int, now: Date, prune: Bool) async throws {
        let requesters = (0..<20).map { UserJID("1555\(String(format: "%07d", index * 20 + $0))@s.whatsapp.net")! }
        _ = try await store.actedRequests(group: group, requesters: requesters)
        let id = try await store.openIntent(JournalIntent(session: "s", group: group.rawValue, operation: .decide(.approve), rules: ["vet"],
                                                          targets: requesters.map(\.rawValue), detail: "approve", at: now))
        try await store.closeIntent(id, outcome: "done", at: now)
        try await store.recordActed(requesters.map { ActedRequest(rule: "vet", group: group, requester: $0, requestedAt: Int64(now.timeIntervalSince1970), decision: .approve, at: now) })
        try await store.appendAudit(requesters.map { AuditEntry(at: now, rule: "vet", group: group.rawValue, action: "approve_requests", targets: [$0.rawValue], mode: .enforce, outcome: .done, detail: "number +1") })
        try await store.setValue("\(Int(now.timeIntervalSince1970))", for: StateKey(.scheduleRun, rule: "rotate", group: group.rawValue))
        if prune {
            while true {
                let report = try await store.prune(retention, now: now, batch: 500, dryRun: false)
                if max(report.audit, report.journal, report.acted) < 500 { break }
            }
        }
    }

    func rows(_ path: String) -> String {
        let tables = ["acted", "journal", "audit"]
        return tables.map { table in
            let output = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from \(table)').fetchone()[0])", path]
            process.standardOutput = output
            try? process.run()
            process.waitUntilExit()
            return "\(table)=" + String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }.joined(separator: " ")
    }

    func fileKiB(_ path: String) -> Int {
        ["", "-wal"].reduce(0) { $0 + (((try? FileManager.default.attributesOfItem(atPath: path + $1)[.size]) as? Int) ?? 0) } / 1024
    }

    for pruning in [false, true] {
        let name = pruning ? "with retention" : "without retention"
        let day10 = BenchmarkMetric.custom("size at day 10 (KiB)", polarity: .prefersSmaller, useScalingFactor: false)
        let day20 = BenchmarkMetric.custom("size at day 20 (KiB)", polarity: .prefersSmaller, useScalingFactor: false)
        Benchmark(
            "State size, 20 days at 2 decisions a minute, SQLite, \(name)",
            configuration: .init(metrics: [day10, day20], warmupIterations: 0, maxDuration: .seconds(1_800), maxIterations: 1)
        ) { benchmark in
            do {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-bench-state-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: folder) }
                let path = folder.appendingPathComponent("state.sqlite").path
                let store = try SQLiteStateStore(path: path)
                for index in 0..<2_880 {
                    try await tick(store, index, now: start.addingTimeInterval(Double(index) * 600), prune: pruning)
                    if index == 1_439 {
                        benchmark.measurement(day10, fileKiB(path))
                        FileHandle.standardError.write(Data("\(name), day 10: \(fileKiB(path)) KiB, \(rows(path))\n".utf8))
                    }
                }
                benchmark.measurement(day20, fileKiB(path))
                FileHandle.standardError.write(Data("\(name), day 20: \(fileKiB(path)) KiB, \(rows(path))\n".utf8))
            } catch {
                benchmark.error("\(error)")
            }
        }
    }

    for kind in StoreCache.Kind.allCases {
        Benchmark(
            "A tick's store time, \(kind.rawValue), 20 decisions, retention on",
            configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, warmupIterations: 20, maxDuration: .seconds(20), maxIterations: 2_000)
        ) { benchmark in
            do {
                // The store is made once (a PostgreSQL connect is not a tick's cost); only the tick is measured.
                let (store, index) = try await StoreCache.shared.next(kind)
                benchmark.startMeasurement()
                try await tick(store, index, now: start.addingTimeInterval(Double(index) * 600), prune: true)
                benchmark.stopMeasurement()
            } catch {
                benchmark.error("\(error)")
            }
        }
    }
}

/// One store per kind for the whole run, and the next tick's index.
actor StoreCache {
    enum Kind: String, CaseIterable { case sqlite = "SQLite", postgres = "PostgreSQL" }

    static let shared = StoreCache()
    private var stores: [Kind: any StateStore] = [:]
    private var counts: [Kind: Int] = [:]

    func next(_ kind: Kind) async throws -> (any StateStore, Int) {
        let store: any StateStore
        if let existing = stores[kind] {
            store = existing
        } else {
            switch kind {
            case .sqlite:
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-bench-tick-\(UUID().uuidString)")
                store = try SQLiteStateStore(path: folder.appendingPathComponent("state.sqlite").path)
            case .postgres:
                let url = try await PostgresTestServer.shared.makeDatabase()
                store = try await PostgresStateStore.connect(try PostgresLocation.parse(url).get(), password: nil, logger: Logger(label: "bench"))
            }
            stores[kind] = store
        }
        let index = counts[kind, default: 0]
        counts[kind] = index + 1
        return (store, index)
    }
}
