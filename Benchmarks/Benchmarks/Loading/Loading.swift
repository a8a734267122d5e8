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

    checkAgainstPyYAML()
}

/// `wadial-rules check` of the 10,000-rule set, the whole process, against PyYAML's CSafeLoader
/// loading the same files in a Python process (the loader people compare with), in one run:
/// seven of each, alternating, medians compared. Needs `python3` with PyYAML built on libyaml
/// (`python3-yaml` or `pip install pyyaml`); reports an error and nothing else without it.
func checkAgainstPyYAML() {
    let ratio = BenchmarkMetric.custom("check / PyYAML CSafeLoader (%)", polarity: .prefersSmaller, useScalingFactor: false)
    let check = BenchmarkMetric.custom("check, whole process (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    let python = BenchmarkMetric.custom("PyYAML CSafeLoader, whole process (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    Benchmark(
        "check 10000 rules against PyYAML CSafeLoader, whole processes, median of 7",
        configuration: .init(metrics: [ratio, check, python], warmupIterations: 0, maxDuration: .seconds(120), maxIterations: 1)
    ) { benchmark in
        do {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-bench-rules-10000")
            _ = try RuleCorpus.write(rules: 10_000, to: directory)
            let script = directory.deletingLastPathComponent().appendingPathComponent("wadial-bench-pyyaml.py")
            try """
                import glob, sys, yaml
                for path in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
                    with open(path, "rb") as f:
                        yaml.load(f, Loader=yaml.CSafeLoader)
                """.write(to: script, atomically: true, encoding: .utf8)
            let wadial = try EngineProcess.executable()
            func time(_ executable: URL, _ arguments: [String]) throws -> Double {
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                let start = ContinuousClock.now
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 || executable == wadial else {
                    throw NSError(domain: "pyyaml", code: Int(process.terminationStatus),
                                  userInfo: [NSLocalizedDescriptionKey: "python3 with PyYAML (CSafeLoader) failed; install python3-yaml"])
                }
                return (ContinuousClock.now - start).seconds * 1_000
            }
            var checks: [Double] = []
            var pythons: [Double] = []
            for _ in 0..<7 {
                checks.append(try time(wadial, ["check", directory.path]))
                pythons.append(try time(URL(fileURLWithPath: "/usr/bin/python3"), [script.path, directory.path]))
            }
            let medianCheck = checks.sorted()[3]
            let medianPython = pythons.sorted()[3]
            benchmark.measurement(check, Int(medianCheck.rounded()))
            benchmark.measurement(python, Int(medianPython.rounded()))
            benchmark.measurement(ratio, Int((medianCheck / medianPython * 100).rounded()))
        } catch {
            benchmark.error("\(error)")
        }
    }
}
