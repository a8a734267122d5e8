// A synchronous driver of the hot paths, for valgrind's callgrind (which counts instructions
// repeatably but cannot follow the `async` main of the benchmarks or of `wadial-rules`: it dies
// in dispatch's main-thread handling). See README.md, "Profiling".
//
//   Profile load N         load and validate the generated rule set of N rules
//   Profile floor N        libyaml alone on the same bytes
//   Profile evaluate N     one evaluator pass over N groups (20 rules, 10 requests each)
//   Profile check N        wall time of the load and of the conflict check (threads: not for callgrind)
//   Profile conflicts N    one load, then the conflict check of `wadial-rules check`
import BenchmarkSupport
import Engine
import Foundation
import Rules
import YAML

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, let count = Int(arguments.last ?? "") else {
    FileHandle.standardError.write(Data("usage: Profile load|floor|evaluate|check|conflicts N\n".utf8))
    exit(2)
}
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-profile-\(arguments.first ?? "")-\(count)")
try? FileManager.default.removeItem(at: directory)

do {
    switch arguments.first {
    case "load":
        try RuleCorpus.write(rules: count, to: directory)
        let rules = try RuleLoader(environment: [:]).load(paths: [directory.path])
        print("loaded \(rules.rules.count) rules, \(rules.policies.count) policies")
    case "conflicts":
        try RuleCorpus.write(rules: count, to: directory)
        let rules = try RuleLoader(environment: [:]).load(paths: [directory.path])
        print("\(ConflictCheck.check(rules).pairs) pairs")
    case "check":
        // Wall time of each part of `wadial-rules check` (not for callgrind: a load uses threads).
        try RuleCorpus.write(rules: count, to: directory)
        // The median of 15 warm runs.
        let clock = ContinuousClock()
        var loads: [Duration] = []
        var checks: [Duration] = []
        var floors: [Duration] = []
        let files = RuleCorpus.files(rules: count).map { Array($0.text.utf8) }
        var pairs = 0
        for _ in 0..<16 {
            let start = clock.now
            let rules = try RuleLoader(environment: [:]).load(paths: [directory.path])
            let loaded = clock.now
            pairs = ConflictCheck.check(rules).pairs
            let checked = clock.now
            for bytes in files { _ = YAMLParser.countEvents(in: bytes) }
            floors.append(clock.now - checked)
            loads.append(loaded - start)
            checks.append(checked - loaded)
        }
        let median = { (values: [Duration]) in values.sorted()[values.count / 2] }
        print("load \(median(loads)), floor \(median(floors)), conflict check \(median(checks)) (\(pairs) pairs)")
    case "floor":
        var events = 0
        for file in RuleCorpus.files(rules: count) {
            events += YAMLParser.countEvents(in: Array(file.text.utf8)) ?? 0
        }
        print("\(events) events")
    case "evaluate":
        try RuleCorpus.write(rules: EvaluationCorpus.ruleCount, to: directory, everyGroup: true)
        let rules = try RuleLoader(environment: [:]).load(paths: [directory.path])
        let (snapshot, state, now) = EvaluationCorpus.steadyState(rules: rules, groups: count)
        let plan = Evaluator(rules: rules).evaluate(snapshot, state: state, now: now)
        print("\(plan.actions.count) actions")
    default:
        FileHandle.standardError.write(Data("usage: Profile load|floor|evaluate|check|conflicts N\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
