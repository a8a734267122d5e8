import ArgumentParser
import Engine
import Foundation
import Logging
import Rules
import State
import WadialAPI
import WadialModels

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Evaluate the rules once against live state and show what would be done; writes nothing."
    )

    @OptionGroup var ruleOptions: RuleOptions

    @OptionGroup var evaluation: EvaluationOptions

    func run() async throws {
        let date = try evaluation.date
        let rules = try ruleOptions.load()
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        let sessions = try evaluation.sessions(rules: rules, configuration: configuration)
        var logger = Logger(label: "wadial")
        logger.logLevel = .warning
        let store = try await evaluation.store()
        let (rows, actions, reports) = try await withAPIClient(configuration, logger: logger) { client in
            var rows: [[String]] = []
            var actions = 0
            var reports = 0
            for session in sessions {
                let engine = Engine(rules: rules, options: .init(sessions: [session], dryRun: true), client: client, store: store, clock: ContinuousClock(), logger: logger)
                let plan: Plan
                do {
                    (_, plan) = try await engine.plan(session: session, at: date)
                } catch {
                    throw fail("\(error)")
                }
                for action in plan.actions {
                    if action.mode == .audit { reports += 1 } else { actions += 1 }
                    let targets = action.requests.isEmpty ? "-" : action.requests.map { request in
                        request.phoneNumber.map { "\($0) (\(request.jid.rawValue))" } ?? "number unknown (\(request.jid.rawValue))"
                    }.joined(separator: ", ")
                    rows.append([action.source, action.group.jid.rawValue, action.name + (action.mode == .audit ? " (audit)" : ""), targets, action.reason])
                }
                for note in plan.notes {
                    reports += 1
                    rows.append([note.source, note.group.rawValue, note.action + " (audit)", "-", note.detail])
                }
            }
            return (rows, actions, reports)
        }
        print(Table.render(header: ["RULE", "GROUP", "ACTION", "TARGETS", "WHY"], rows: rows))
        // Only what would be done counts as an action; audit-mode rows are reports.
        var footer = rows.isEmpty ? "nothing to do" : "\(actions) action\(actions == 1 ? "" : "s") would be taken"
        if reports > 0 { footer += ", and \(reports) audit-mode report\(reports == 1 ? "" : "s") (nothing done)" }
        print(footer)
    }
}
