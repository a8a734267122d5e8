import Benchmark
import BenchmarkSupport
import Foundation
import Sandbox
import WadialAPI

// One engine tick (`wadial-rules run --once`, the release executable) against the sandbox served
// over HTTP by this process, on worlds of 1,000 groups; the calls it made, counted from the
// sandbox's call log, against the fewest calls that tick could make (WorldCorpus.lowerBound):
// a world where every group can have requests and the account is an admin everywhere, and one as
// WhatsApp is (membership approval on in 20% of the groups, the account an admin in half).
let benchmarks: @Sendable () -> Void = {
    let groupCount = 1_000
    let calls = BenchmarkMetric.custom("API calls", polarity: .prefersSmaller, useScalingFactor: false)
    let bound = BenchmarkMetric.custom("lower bound", polarity: .prefersSmaller, useScalingFactor: false)
    let excess = BenchmarkMetric.custom("calls over the bound", polarity: .prefersSmaller, useScalingFactor: false)
    let reads = BenchmarkMetric.custom("reads", polarity: .prefersSmaller, useScalingFactor: false)
    let writes = BenchmarkMetric.custom("writes", polarity: .prefersSmaller, useScalingFactor: false)

    let worlds: [(name: String, groups: @Sendable () -> [SandboxWorld.GroupState], rules: String,
                  bound: @Sendable ([SandboxWorld.GroupState]) -> (reads: Int, writes: Int))] = [
        ("One tick over HTTP, \(groupCount) groups", { WorldCorpus.groups(count: groupCount, requests: true) },
         WorldCorpus.rules(pollInterval: "30s"), WorldCorpus.lowerBound),
        ("One tick over HTTP, \(groupCount) groups, approval on in 20%, admin in half", { WorldCorpus.realisticGroups(count: groupCount) },
         WorldCorpus.realisticRules(pollInterval: "30s"), WorldCorpus.realisticLowerBound),
    ]
    for world in worlds {
        Benchmark(
            world.name,
            configuration: .init(
                metrics: [.wallClock, calls, bound, excess, reads, writes], timeUnits: .milliseconds,
                warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 5)
        ) { benchmark in
            do {
                let groups = world.groups()
                let sandbox = SandboxWorld(sessions: [.init(id: WorldCorpus.session)], groups: groups)
                let expected = world.bound(groups)
                let directory = try EngineProcess.temporaryDirectory("api")
                defer { try? FileManager.default.removeItem(at: directory) }

                let status = try await SandboxHost.serve(sandbox) { port in
                    benchmark.startMeasurement()
                    let engine = try EngineProcess.run(rules: world.rules, once: true, port: port, directory: directory)
                    let status = await engine.waitForExit()
                    benchmark.stopMeasurement()
                    if status != 0 { benchmark.error("run --once exited \(status): \(engine.log.suffix(2_000))") }
                    return status
                }
                guard status == 0 else { return }
                let log = await sandbox.calls
                let failed = log.filter { !(200..<300).contains($0.status) }
                if !failed.isEmpty { benchmark.error("\(failed.count) calls failed, first: \(failed[0].method) \(failed[0].path) \(failed[0].status)") }
                let made = log.filter { $0.operation != nil }
                let madeWrites = made.filter { $0.operation?.isWrite == true }.count
                benchmark.measurement(calls, made.count)
                benchmark.measurement(bound, expected.reads + expected.writes)
                benchmark.measurement(excess, max(0, made.count - expected.reads - expected.writes))
                benchmark.measurement(reads, made.count - madeWrites)
                benchmark.measurement(writes, madeWrites)
                if made.count != expected.reads + expected.writes {
                    var byOperation: [String: Int] = [:]
                    for call in made { byOperation[call.operation?.rawValue ?? "?", default: 0] += 1 }
                    FileHandle.standardError.write(Data("calls by operation: \(byOperation.sorted { $0.key < $1.key }); bound: \(expected)\n".utf8))
                }
            } catch {
                benchmark.error("\(error)")
            }
        }
    }
}
