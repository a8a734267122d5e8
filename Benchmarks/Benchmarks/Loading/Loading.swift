import Benchmark
import BenchmarkSupport
import Foundation
import Rules
import YAML

// Loading and validating generated rule sets of 100, 1,000 and 10,000 rules (files of at most
// 1,000 rules, every trigger, condition and action), against the floor: libyaml alone parsing
// the same bytes to events and dropping them.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .peakMemoryResidentDelta, .mallocCountTotal],
        timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(15), maxIterations: 30)

    for count in [100, 1_000, 10_000] {
        // Written to disk once per size: `load(paths:)` reads them as `check` and `run` do.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-bench-rules-\(count)")
        try? FileManager.default.removeItem(at: directory)
        let files = ((try? RuleCorpus.write(rules: count, to: directory)) ?? []).map { Array($0.text.utf8) }
        let bytes = files.reduce(0) { $0 + $1.count }
        let loader = RuleLoader(environment: [:])

        Benchmark("Load and validate \(count) rules (\(bytes / 1024) KiB)") { benchmark in
            for _ in benchmark.scaledIterations {
                do {
                    let rules = try loader.load(paths: [directory.path])
                    guard rules.rules.count == count else {
                        benchmark.error("\(rules.rules.count) of the \(count) generated rules loaded")
                        return
                    }
                    blackHole(rules)
                } catch {
                    benchmark.error("the generated rules do not load: \(error)")
                    return
                }
            }
        }

        Benchmark("libyaml floor \(count) rules (\(bytes / 1024) KiB)") { benchmark in
            for _ in benchmark.scaledIterations {
                for file in files {
                    guard let events = YAMLParser.countEvents(in: file) else {
                        benchmark.error("libyaml rejects the generated file")
                        return
                    }
                    blackHole(events)
                }
            }
        }

        // The goal as one figure: load time over floor time, both timed in the same iteration.
        let ratio = BenchmarkMetric.custom("load / floor (%)", polarity: .prefersSmaller, useScalingFactor: false)
        Benchmark(
            "Load / floor ratio \(count) rules",
            configuration: .init(metrics: [ratio], warmupIterations: 1, maxDuration: .seconds(15), maxIterations: 20)
        ) { benchmark in
            let clock = ContinuousClock()
            let floor = clock.measure {
                for file in files { blackHole(YAMLParser.countEvents(in: file)) }
            }
            let load = clock.measure {
                blackHole(try? loader.load(paths: [directory.path]))
            }
            benchmark.measurement(ratio, Int((load / floor * 100).rounded()))
        }
    }
}
