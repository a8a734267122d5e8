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

    @Option(help: "How far ahead to list schedule runs: a duration like 7d or 12h.")
    var horizon = "7d"

    func run() async throws {
        let rules = try ruleOptions.load()
        let date = try evaluation.date(in: LocalTimeText.zone(rules.settings.timezone))
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        let sessions = try evaluation.sessions(rules: rules, configuration: configuration)
        var logger = Logger(label: "wadial")
        logger.logLevel = .warning
        let store = try await evaluation.store()
        guard let horizonSeconds = RuleDuration.seconds(horizon), horizonSeconds > 0 else {
            throw ValidationError("--horizon takes a duration like 7d or 12h; found \(TextEscaping.quoted(horizon))")
        }
        let zone = LocalTimeText.zone(rules.settings.timezone)
        let (rows, actions, reports, outlooks, notices) = try await withAPIClient(configuration, logger: logger) { client in
            var rows: [[String]] = []
            var actions = 0
            var reports = 0
            var outlooks: [Outlook] = []
            var notices = Notices()
            for session in sessions {
                let engine = Engine(rules: rules, options: .init(sessions: [session], dryRun: true), client: client, store: store, clock: ContinuousClock(), logger: logger)
                let plan: Plan
                let snapshot: Snapshot
                do {
                    (snapshot, plan) = try await engine.plan(session: session, at: date)
                } catch {
                    throw fail("\(error)")
                }
                outlooks.append(await engine.outlook(snapshot, at: date, horizon: Double(horizonSeconds)))
                notices.add(rules, snapshot)
                for action in plan.actions {
                    if action.mode == .audit { reports += 1 } else { actions += 1 }
                    let targets = action.requests.isEmpty ? "-" : action.requests.map(\.described).joined(separator: ", ")
                    rows.append([action.source, Self.groupColumn(action.group), action.name + (action.mode == .audit ? " (audit)" : ""), targets, action.reason])
                }
                for conflict in plan.conflicts {
                    rows.append([conflict.wants.map(\.source).joined(separator: ", "), Self.groupColumn(conflict.group), conflict.setting.action + " (conflict)", "-",
                                 conflict.summary])
                }
                for note in plan.notes {
                    reports += 1
                    rows.append([note.source, note.group.rawValue, note.action + " (audit)", "-", note.detail])
                }
            }
            return (rows, actions, reports, outlooks, notices)
        }
        for warning in notices.warnings { print("warning: \(TextEscaping.visible(warning))") }
        if !notices.warnings.isEmpty { print("") }
        print(Table.render(header: ["RULE", "GROUP", "ACTION", "TARGETS", "WHY"], rows: rows))
        // Only what would be done counts as an action; audit-mode rows are reports.
        var footer = rows.isEmpty ? "nothing to do" : "\(actions) action\(actions == 1 ? "" : "s") would be taken"
        if reports > 0 { footer += ", and \(reports) audit-mode report\(reports == 1 ? "" : "s") (nothing done)" }
        print(footer)
        if !notices.withoutRights.isEmpty {
            print("")
            print("not an admin (join requests not read, changes skipped; reported once by run):")
            print(Table.render(header: ["GROUP", "SUBJECT", "RULES AND POLICIES"], rows: notices.withoutRights))
        }
        if !notices.approvalOff.isEmpty {
            print("")
            print("membership approval off (no join request can exist, none read):")
            print(Table.render(header: ["GROUP", "SUBJECT"], rows: notices.approvalOff))
        }
        let runs = outlooks.flatMap(\.runs)
        print("")
        print("schedule runs in the next \(horizon) (\(LocalTimeText.name(zone))):")
        print(runs.isEmpty ? "  none" : Table.render(header: ["WHEN", "RULE", "GROUP", "NOTE"],
                                                   rows: runs.map { [LocalTimeText.format($0.at, in: zone), $0.rule, $0.group, $0.note ?? ""] }))
        let phases = outlooks.flatMap(\.phases)
        if !phases.isEmpty {
            print("")
            print("thresholds:")
            print(Table.render(header: ["RULE", "GROUP", "SUBJECT", "PHASE"], rows: phases.map {
                [$0.rule, $0.group, $0.subject, $0.pendingSince.map { "pending since " + LocalTimeText.format($0, in: zone) } ?? $0.phase]
            }))
        }
    }

    /// A group's JID, and its kind when it is not an ordinary group.
    static func groupColumn(_ group: Group) -> String {
        group.kind == .group ? group.jid.rawValue : "\(group.jid.rawValue) (\(group.kind))"
    }

    /// What `plan` says beside its table.
    struct Notices {
        var warnings: [String] = []
        var withoutRights: [[String]] = []
        var approvalOff: [[String]] = []

        mutating func add(_ rules: RuleSet, _ snapshot: Snapshot) {
            warnings += UnmatchedTargets.warnings(rules, listed: snapshot.listed)
            for view in snapshot.groups where view.requestsUnread == .approvalOff {
                approvalOff.append([groupColumn(view.group), view.group.subject ?? ""])
            }
            for entry in AccountRights.withoutRights(rules, snapshot.groups) {
                withoutRights.append([groupColumn(entry.group), entry.group.subject ?? "", entry.sources.joined(separator: ", ")])
            }
        }
    }
}
