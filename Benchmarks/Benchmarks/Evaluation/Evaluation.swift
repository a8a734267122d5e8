import Benchmark
import BenchmarkSupport
import Engine
import Foundation
import Rules

// One pure evaluator pass over 100, 1,000 and 10,000 groups, with 20 rules (every trigger,
// condition and action; all on every group) and 10 pending requests per group, none decided yet,
// in the steady state that the pass one poll earlier left (EvaluationCorpus).
let benchmarks: @Sendable () -> Void = {
    let ruleCount = EvaluationCorpus.ruleCount
    let perPair = BenchmarkMetric.custom("ns per (rule, group)", polarity: .prefersSmaller, useScalingFactor: false)
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, perPair], timeUnits: .milliseconds,
        warmupIterations: 2, maxDuration: .seconds(15), maxIterations: 100)

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-bench-evaluation")
    try? FileManager.default.removeItem(at: directory)
    let rules: RuleSet
    do {
        try RuleCorpus.write(rules: ruleCount, to: directory, everyGroup: true)
        rules = try RuleLoader(environment: [:]).load(paths: [directory.path])
    } catch {
        Benchmark("Evaluation setup") { benchmark in benchmark.error("the evaluation rules do not load: \(error)") }
        return
    }
    let evaluator = Evaluator(rules: rules)

    for groupCount in [100, 1_000, 10_000] {
        let (snapshot, state, now) = EvaluationCorpus.steadyState(rules: rules, groups: groupCount)
        Benchmark("Evaluate \(groupCount) groups x \(ruleCount) rules x 10 requests") { benchmark in
            let clock = ContinuousClock()
            for _ in benchmark.scaledIterations {
                var plan: Plan?
                let elapsed = clock.measure { plan = evaluator.evaluate(snapshot, state: state, now: now) }
                blackHole(plan)
                let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
                benchmark.measurement(perPair, Int((nanoseconds / Double(ruleCount * groupCount)).rounded()))
            }
        }
    }
}
