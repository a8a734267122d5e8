import Engine
import Foundation
import Logging
import Rules
import Sandbox
import State
import WadialAPI
import YAML
import WadialModels

/// Runs rule test files (README, `wadial-rules test`): the real engine, evaluator, executor and state
/// logic against an in-memory world and an in-memory store, with time moved by the test.
///
/// ```yaml
/// rule_files: [../community.yaml]
/// start: 2026-03-02T08:00:00Z
/// environment: { WADIAL_SESSION_ID: demo }          # optional: what ${VAR} reads
/// world: { groups: [...] }                           # as a sandbox world file
/// steps:
///   - expect: [{ rule: approve-vetted, action: approve_requests, group: 1203…@g.us, participants: [...] }]
///   - advance: 72h
///     add_requests: [{ group: 1203…@g.us, jid: 4477…@s.whatsapp.net, phone: "+44…" }]
///     members: [{ group: 1203…@g.us, by: 25 }]
///     expect: []
/// ```
///
/// Each step applies its changes, moves the clock, runs one engine tick, and compares the
/// actions of that tick with `expect` (an empty list means none; an unexpected action fails).
public struct RuleTestRunner: Sendable {
    public struct Outcome: Sendable {
        public var file: String
        public var passed: Bool
        /// The report: `PASS file (3 steps)` or `FAIL file` with the failing step and its diff.
        public var report: String
    }

    public struct ExpectedAction: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var rule: String
        public var action: String
        public var group: String
        public var participants: [String]

        public var description: String {
            "{ rule: \(rule), action: \(action), group: \(group)" + (participants.isEmpty ? "" : ", participants: [\(participants.joined(separator: ", "))]") + " }"
        }

        public static func < (a: ExpectedAction, b: ExpectedAction) -> Bool { a.description < b.description }
    }

    struct Step {
        var index: Int
        var advance: TimeInterval = 0
        var addRequests: [(GroupJID, SandboxWorld.PendingRequest)] = []
        var memberChanges: [(GroupJID, Int)] = []
        var expect: [ExpectedAction]?
    }

    struct TestFile {
        var ruleFiles: [String]
        var start: Date
        var environment: [String: String]
        var world: WorldFile
        var steps: [Step]
    }

    public init() {}

    public func run(path: String) async -> Outcome {
        let test: TestFile
        do {
            test = try parse(path: path)
        } catch {
            return Outcome(file: path, passed: false, report: "FAIL \(path)\n\(error)")
        }
        let rules: RuleSet
        do {
            rules = try RuleLoader(environment: test.environment).load(paths: test.ruleFiles)
        } catch {
            return Outcome(file: path, passed: false, report: "FAIL \(path): the rule files do not load\n\(error.description)")
        }
        let clock = ManualWallClock(test.start)
        let world = test.world.world(clock: { clock.now })
        let session = test.world.sessions.first?.id ?? WorldFile.defaultSession
        var logger = Logger(label: "wadial.test")
        logger.logLevel = .critical
        let store = MemoryStateStore()
        let engine = Engine(rules: rules, options: .init(sessions: [session]), client: SandboxClient(world: world), store: store,
                            webhooks: NoWebhooks(), clock: ContinuousClock(), now: { clock.now }, logger: logger)
        var elapsed: TimeInterval = 0
        // Every failing step is reported, not only the first: the world goes on as the steps say.
        var failures: [String] = []
        for step in test.steps {
            elapsed += step.advance
            clock.set(test.start.addingTimeInterval(elapsed))
            for (group, request) in step.addRequests {
                var request = request
                request.requestedAt = clock.now
                await world.addRequest(request, to: group)
            }
            for (group, delta) in step.memberChanges { await world.apply(.memberDelta(group, delta)) }
            let report = await engine.tick(session: session, at: clock.now)
            let at = "step \(step.index + 1) (at +\(RuleDuration.format(.seconds(Int64(elapsed)))), \(LocalTimeText.format(clock.now, in: LocalTimeText.zone(rules.settings.timezone), seconds: false)))"
            if let skipped = report.skipped {
                failures.append("  \(at): the tick did not run: \(skipped)")
                continue
            }
            guard let expected = step.expect else { continue }
            let actual = Self.actions(report.execution?.entries ?? [])
            guard actual != expected.sorted() else { continue }
            var lines = ["  \(at): actions differ"]
            for missing in expected.sorted() where !actual.contains(missing) {
                lines.append("  - expected \(missing)")
                // Why it did not happen, as `explain` says it, for each requester it names.
                let done = Set(actual.first { $0.rule == missing.rule && $0.action == missing.action && $0.group == missing.group }?.participants ?? [])
                for participant in missing.participants where !done.contains(participant) {
                    guard let group = GroupJID(missing.group), let requester = UserJID(participant),
                          let explanation = try? await engine.explain(session: session, group: group, requester: requester, at: clock.now)
                    else { continue }
                    if let line = explanation.lines.first(where: { $0.rule == missing.rule }) {
                        lines.append("      \(participant): \(line.verdict)" + (line.details.isEmpty ? "" : ": " + line.details.joined(separator: "; ")))
                    } else if explanation.request == nil {
                        lines.append("      \(participant): not pending in \(missing.group)")
                    }
                }
            }
            for extra in actual where !expected.contains(extra) { lines.append("  + actual   \(extra)") }
            failures.append(lines.joined(separator: "\n"))
        }
        if !failures.isEmpty {
            let count = failures.count
            return Outcome(file: path, passed: false, report: (["FAIL \(path)"] + failures
                + ["  \(count) of \(test.steps.count) step\(test.steps.count == 1 ? "" : "s") failed"]).joined(separator: "\n"))
        }
        return Outcome(file: path, passed: true, report: "PASS \(path) (\(test.steps.count) step\(test.steps.count == 1 ? "" : "s"))")
    }

    /// The actions of one tick, one per rule, action and group, with their targets merged.
    static func actions(_ entries: [AuditEntry]) -> [ExpectedAction] {
        var merged: [String: ExpectedAction] = [:]
        // Audit-mode drift is an action a test can expect too (`action: set_ephemeral` with the
        // policy as `rule`), as is what audit-mode rules would have done.
        for entry in entries where [AuditOutcome.done, .would, .failed, .unknown, .drift].contains(entry.outcome) {
            let key = "\(entry.rule)|\(entry.action)|\(entry.group)"
            var action = merged[key] ?? ExpectedAction(rule: entry.rule, action: entry.action, group: entry.group, participants: [])
            action.participants = (action.participants + entry.targets).sorted()
            merged[key] = action
        }
        return merged.values.sorted()
    }

    struct ParseError: Error, CustomStringConvertible {
        let diagnostics: [Diagnostic]
        var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    }

    func parse(path: String) throws -> TestFile {
        let text: String
        switch SourceFile.read(path) {
        case .success(let read): text = read
        case .failure(let problem): throw ParseError(diagnostics: [Diagnostic(file: path, mark: problem.mark, message: "rule test: \(problem)")])
        }
        let source = SourceText(name: path, text: text)
        let root: Node?
        do {
            root = try YAMLParser().parse(text, file: path)
        } catch {
            throw ParseError(diagnostics: [error.diagnostic])
        }
        var problems: [Diagnostic] = []
        func fail(_ node: Node?, _ message: String) { problems.append(source.diagnostic(at: node?.mark ?? Mark(line: 1, column: 1), message)) }
        guard let top = root?.mapping else { throw ParseError(diagnostics: [source.diagnostic(at: Mark(line: 1, column: 1), "a rule test file is a mapping with rule_files, start, world and steps")]) }
        let known = ["rule_files", "start", "environment", "world", "steps"]
        // A rule file given by mistake (or the rules folder): said once, with what to run instead.
        if top["steps"] == nil, top["version"] != nil || top["rules"] != nil || top["policies"] != nil {
            throw ParseError(diagnostics: [source.diagnostic(
                at: Mark(line: 1, column: 1),
                "this is a rule file, not a rule test (a rule test has rule_files, start, world and steps); "
                    + "check rule files with `wadial-rules check`, and run their tests with `wadial-rules test rules/tests`")])
        }
        for pair in top.pairs where !known.contains(pair.key.scalar?.string ?? "") {
            fail(pair.key, "unknown key \"\(pair.key.scalar?.string ?? "?")\"; expected one of \(known.joined(separator: ", "))")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var ruleFiles: [String] = []
        if let items = top["rule_files"]?.sequence?.items, !items.isEmpty {
            for item in items {
                guard let file = item.scalar?.string else { fail(item, "expected a path"); continue }
                ruleFiles.append(file.hasPrefix("/") ? file : (folder as NSString).appendingPathComponent(file))
            }
        } else {
            fail(top["rule_files"] ?? root, "rule_files must list the rule files to test")
        }
        var start = Date(timeIntervalSince1970: 0)
        if let node = top["start"], let text = node.scalar?.string, let date = ISO8601DateFormatter().date(from: text) {
            start = date
        } else {
            fail(top["start"] ?? root, "start must be an ISO 8601 time like 2026-03-02T08:00:00Z")
        }
        var environment: [String: String] = [:]
        for pair in top["environment"]?.mapping?.pairs ?? [] {
            if let key = pair.key.scalar?.string, let value = pair.value.scalar?.string { environment[key] = value }
        }
        var world = WorldFile(sessions: [], groups: [], arrivals: [])
        do {
            world = try WorldFile.read(top["world"], source: source, now: start)
        } catch let error as WorldFile.LoadError {
            problems += error.diagnostics
        } catch {
            fail(top["world"], "the world cannot be read: \(error)")
        }
        var steps: [Step] = []
        for (index, node) in (top["steps"]?.sequence?.items ?? []).enumerated() {
            guard let mapping = node.mapping else { fail(node, "a step is a mapping"); continue }
            var step = Step(index: index)
            let stepKeys = ["advance", "add_requests", "members", "expect"]
            for pair in mapping.pairs where !stepKeys.contains(pair.key.scalar?.string ?? "") {
                fail(pair.key, "unknown key \"\(pair.key.scalar?.string ?? "?")\" in a step; expected one of \(stepKeys.joined(separator: ", "))")
            }
            if let node = mapping["advance"] {
                if let seconds = node.scalar.flatMap({ RuleDuration.seconds($0.string) }) { step.advance = TimeInterval(seconds) } else { fail(node, "advance takes a duration like 10m or 72h") }
            }
            for item in mapping["add_requests"]?.sequence?.items ?? [] {
                guard let group = item.mapping?["group"]?.scalar.flatMap({ GroupJID($0.string) }),
                      let jid = item.mapping?["jid"]?.scalar.flatMap({ UserJID($0.string) })
                else { fail(item, "add_requests entries need a group JID and a requester jid"); continue }
                step.addRequests.append((group, .init(jid: jid, phoneField: item.mapping?["phone"]?.scalar?.string, requestedAt: start)))
            }
            for item in mapping["members"]?.sequence?.items ?? [] {
                guard let group = item.mapping?["group"]?.scalar.flatMap({ GroupJID($0.string) }),
                      case .int(let delta)? = item.mapping?["by"]?.scalar?.value
                else { fail(item, "members entries need a group JID and by: N (negative to leave)"); continue }
                step.memberChanges.append((group, delta))
            }
            if let node = mapping["expect"] {
                guard let items = node.sequence?.items else { fail(node, "expect takes a list of actions (empty: none)"); continue }
                var expected: [ExpectedAction] = []
                for item in items {
                    guard let fields = item.mapping, let rule = fields["rule"]?.scalar?.string, let action = fields["action"]?.scalar?.string,
                          let group = fields["group"]?.scalar?.string
                    else { fail(item, "an expected action needs rule, action and group"); continue }
                    let participants = (fields["participants"]?.sequence?.items ?? []).compactMap { $0.scalar?.string }.sorted()
                    expected.append(ExpectedAction(rule: rule, action: action, group: group, participants: participants))
                }
                step.expect = expected
            }
            steps.append(step)
        }
        if steps.isEmpty { fail(top["steps"] ?? root, "steps must list at least one step") }
        guard problems.isEmpty else { throw ParseError(diagnostics: problems) }
        return TestFile(ruleFiles: ruleFiles, start: start, environment: environment, world: world, steps: steps)
    }
}

/// Rule tests make no network calls: webhooks are answered 200 and not sent.
struct NoWebhooks: WebhookSender {
    func post(url: String, body: String, headers: [String: String]) async throws -> WebhookResponse { WebhookResponse(status: 200) }
}
