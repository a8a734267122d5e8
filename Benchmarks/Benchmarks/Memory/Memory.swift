import Benchmark
import BenchmarkSupport
import Foundation
import Sandbox
import WadialAPI

// Resident memory of the release `wadial-rules run` managing a 10,000-group world (served over
// HTTP by this process) through 100 ticks of 5 s, with new join requests arriving all along:
// its RSS after tick 10 and after tick 100, the growth between them, and its peak.
let benchmarks: @Sendable () -> Void = {
    let groupCount = 10_000
    let ticks = 100
    let rss10 = BenchmarkMetric.custom("RSS after tick 10 (KiB)", polarity: .prefersSmaller, useScalingFactor: false)
    let rss100 = BenchmarkMetric.custom("RSS after tick \(ticks) (KiB)", polarity: .prefersSmaller, useScalingFactor: false)
    let growth = BenchmarkMetric.custom("growth tick 10 to \(ticks) (KiB)", polarity: .prefersSmaller, useScalingFactor: false)
    let peak = BenchmarkMetric.custom("peak RSS (KiB)", polarity: .prefersSmaller, useScalingFactor: false)
    let approved = BenchmarkMetric.custom("approval calls", polarity: .prefersLarger, useScalingFactor: false)

    Benchmark(
        "Memory of run, \(groupCount) groups, \(ticks) ticks",
        configuration: .init(
            metrics: [rss10, rss100, growth, peak, approved], warmupIterations: 0, maxDuration: .seconds(1_800), maxIterations: 1)
    ) { benchmark in
        do {
            let world = WorldCorpus.world(groups: groupCount, requests: true)
            let supportGroups = (0..<groupCount).filter(WorldCorpus.isSupport).map(WorldCorpus.jid)
            let directory = try EngineProcess.temporaryDirectory("memory")
            defer { try? FileManager.default.removeItem(at: directory) }

            try await SandboxHost.serve(world) { port in
                let engine = try EngineProcess.run(rules: WorldCorpus.rules(pollInterval: "5s"), port: port, directory: directory)
                try await engine.whileRunning {
                    // New requests all along: four a second, each a new +1 number in a random support group.
                    let arrivals = Task {
                        var serial = 2_000_000
                        while !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(250))
                            let group = supportGroups[Int.random(in: 0..<supportGroups.count)]
                            await world.addRequest(.init(jid: WorldCorpus.usRequester(serial), requestedAt: Date()), to: group)
                            serial += 1
                        }
                    }
                    defer { arrivals.cancel() }
                    // A tick is over when the next one lists the groups; read RSS then.
                    func afterTick(_ tick: Int) async throws -> Int? {
                        let timeout = Duration.seconds(60 + 10 * tick)
                        guard try await SandboxHost.wait(timeout: timeout, interval: .milliseconds(50), until: { await world.count(of: .listGroups) > tick }) else {
                            benchmark.error("tick \(tick) did not end: \(engine.log.suffix(2_000))")
                            return nil
                        }
                        return engine.residentKiB
                    }
                    guard let at10 = try await afterTick(10), let at100 = try await afterTick(ticks) else { return }
                    benchmark.measurement(rss10, at10)
                    benchmark.measurement(rss100, at100)
                    benchmark.measurement(growth, max(0, at100 - at10))
                    benchmark.measurement(peak, engine.peakResidentKiB ?? 0)
                    benchmark.measurement(approved, await world.count(of: .decideRequests))
                    FileHandle.standardError.write(Data("RSS after tick 10: \(at10) KiB, after tick \(ticks): \(at100) KiB (\(at100 - at10) KiB)\n".utf8))
                }
            }
        } catch {
            benchmark.error("\(error)")
        }
    }
}
