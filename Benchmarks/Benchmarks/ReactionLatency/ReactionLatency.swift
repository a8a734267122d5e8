import Benchmark
import BenchmarkSupport
import Foundation
import Sandbox
import WadialAPI
import WadialModels

// From a join request appearing in the sandbox to its approval arriving there: the release
// `wadial-rules run` against the sandbox served over HTTP by this process, with requests added at
// random moments, each one a new +1 number in a random group where requests can exist:
// - 100 groups, poll interval 5 s (the shortest the rule language allows), a budget that does
//   not bind: the 10 support groups are read on every tick;
// - 1,000 groups as WhatsApp is (membership approval on in 20%, the account an admin in half:
//   100 groups where requests can exist), poll 30 s, the default budget (120 calls and 20 writes
//   a minute), which binds: a tick takes about a minute, and the floor is the time the budget
//   allows for reading those groups (100 / 120 per minute = 50 s) plus one write.
let benchmarks: @Sendable () -> Void = {
    budgetBound()
    let requestCount = 240
    let pollMilliseconds = 5_000
    let latency = BenchmarkMetric.custom("request to approval (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    let missing = BenchmarkMetric.custom("requests never approved", polarity: .prefersSmaller, useScalingFactor: false)

    Benchmark(
        "Reaction latency, \(requestCount) requests, poll \(pollMilliseconds / 1000) s",
        configuration: .init(metrics: [latency, missing], warmupIterations: 0, maxDuration: .seconds(600), maxIterations: 1)
    ) { benchmark in
        do {
            let world = WorldCorpus.world(groups: 100, requests: false)
            let supportGroups = (0..<100).filter(WorldCorpus.isSupport).map(WorldCorpus.jid)
            let directory = try EngineProcess.temporaryDirectory("latency")
            defer { try? FileManager.default.removeItem(at: directory) }

            let appeared = try await SandboxHost.serve(world) { port -> [UserJID: Date] in
                let engine = try EngineProcess.run(rules: WorldCorpus.rules(pollInterval: "5s"), port: port, directory: directory)
                return try await engine.whileRunning { () async throws -> [UserJID: Date] in
                    // Start once the engine has ticked: its start-up is not reaction time.
                    guard try await SandboxHost.wait(timeout: .seconds(30), until: { await world.calls.contains { $0.operation == .listGroups } }) else {
                        benchmark.error("the engine never listed the groups: \(engine.log.suffix(2_000))")
                        return [:]
                }
                // Mean gap 250 ms: about 50 requests per poll interval, at moments unrelated to the
                // ticks; every request should be decided within one poll interval (and a bit) of the last.
                return try await addRequests(requestCount, serialBase: 1_000_000, maximumGapMilliseconds: 500, to: supportGroups, of: world,
                                             waitingUpTo: .milliseconds(pollMilliseconds * 3))
                }
            }
            record(appeared, approvals(await world.calls), benchmark, latency: latency, missing: missing)
        } catch {
            benchmark.error("\(error)")
        }
    }
}

/// Adds `count` join requests of new +1 numbers (serials from `serialBase`) to random groups of
/// `groups`, at random gaps of up to `maximumGapMilliseconds`; then waits until all are approved
/// (or `waitingUpTo` has passed). Returns when each appeared.
func addRequests(_ count: Int, serialBase: Int, maximumGapMilliseconds: Int, to groups: [GroupJID], of world: SandboxWorld,
                 waitingUpTo timeout: Duration) async throws -> [UserJID: Date] {
    var generator = SystemRandomNumberGenerator()
    var appeared: [UserJID: Date] = [:]
    for serial in 0..<count {
        try await Task.sleep(for: .milliseconds(Int.random(in: 0..<maximumGapMilliseconds, using: &generator)))
        let requester = WorldCorpus.usRequester(serialBase + serial)
        let now = Date()
        await world.addRequest(.init(jid: requester, requestedAt: now), to: groups[Int.random(in: 0..<groups.count, using: &generator)])
        appeared[requester] = now
    }
    let expected = Set(appeared.keys)
    _ = try await SandboxHost.wait(timeout: timeout) { await Set(approvals(world.calls).keys).isSuperset(of: expected) }
    return appeared
}

/// Each request's time from appearing to its approval, and how many were never approved.
func record(_ appeared: [UserJID: Date], _ approved: [UserJID: Date], _ benchmark: Benchmark, latency: BenchmarkMetric, missing: BenchmarkMetric) {
    var never = 0
    for (requester, start) in appeared {
        guard let end = approved[requester] else {
            never += 1
            continue
        }
        benchmark.measurement(latency, Int((end.timeIntervalSince(start) * 1_000).rounded()))
    }
    benchmark.measurement(missing, never)
}

/// When each approved requester's approval reached the sandbox.
func approvals(_ calls: [SandboxWorld.Call]) -> [UserJID: Date] {
    var result: [UserJID: Date] = [:]
    for call in calls where call.operation == .decideRequests && (200..<300).contains(call.status) {
        guard call.body?["action"]?.string == "approve", let participants = call.body?["participants"]?.array else { continue }
        for participant in participants {
            if let jid = participant.string.flatMap(UserJID.init), result[jid] == nil { result[jid] = call.time }
        }
    }
    return result
}

/// 1,000 groups under the default budget: the request budget, not the poll interval, sets the pace.
func budgetBound() {
    let requestCount = 100
    let latency = BenchmarkMetric.custom("request to approval (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    let missing = BenchmarkMetric.custom("requests never approved", polarity: .prefersSmaller, useScalingFactor: false)
    let floor = BenchmarkMetric.custom("floor (ms)", polarity: .prefersSmaller, useScalingFactor: false)
    Benchmark(
        "Reaction latency, 1,000 groups (100 open to requests), default budget, poll 30 s",
        configuration: .init(metrics: [latency, missing, floor], warmupIterations: 0, maxDuration: .seconds(1_200), maxIterations: 1)
    ) { benchmark in
        do {
            var groups = WorldCorpus.realisticGroups(count: 1_000)
            for index in groups.indices { groups[index].requests = [] }
            let open = groups.indices.filter { WorldCorpus.isApprovalOn($0) && WorldCorpus.isAdmin($0) }.map(WorldCorpus.jid)
            let world = SandboxWorld(sessions: [.init(id: WorldCorpus.session)], groups: groups)
            let directory = try EngineProcess.temporaryDirectory("latency-budget")
            defer { try? FileManager.default.removeItem(at: directory) }
            // The default limits: the corpus's raised ones removed.
            let rules = WorldCorpus.realisticRules(pollInterval: "30s")
                .replacingOccurrences(of: "  limits: { requests_per_minute: 100000, mutations_per_minute: 10000, max_actions_per_run: 50 }\n", with: "")
            // Reading the groups where requests can exist takes this long at 120 calls a minute.
            let floorMilliseconds = open.count * 60_000 / 120
            let appeared = try await SandboxHost.serve(world) { port -> [UserJID: Date] in
                let engine = try EngineProcess.run(rules: rules, port: port, directory: directory)
                return try await engine.whileRunning { () async throws -> [UserJID: Date] in
                    // Start after the first tick's reads: start-up (and its first burst) is not reaction time.
                    guard try await SandboxHost.wait(timeout: .seconds(180), until: { await world.calls.filter { $0.operation == .listGroups }.count >= 2 }) else {
                        benchmark.error("the engine never started a second tick: \(engine.log.suffix(2_000))")
                        return [:]
                    }
                    // Mean gap 4 s: 15 a minute, under the 20 writes a minute an approval each could take.
                    return try await addRequests(requestCount, serialBase: 2_000_000, maximumGapMilliseconds: 8_000, to: open, of: world,
                                                 waitingUpTo: .milliseconds(floorMilliseconds * 3))
                }
            }
            record(appeared, approvals(await world.calls), benchmark, latency: latency, missing: missing)
            benchmark.measurement(floor, floorMilliseconds)
        } catch {
            benchmark.error("\(error)")
        }
    }
}
