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

    @Option(help: "The state file to read (it is not written); missing: start from nothing.")
    var state = SQLiteStateStore.defaultPath

    @Option(help: "Evaluate as of this time (ISO 8601, e.g. 2026-03-02T09:00:00Z); default: now.")
    var at: String?

    func run() async throws {
        var date = Date()
        if let at {
            let formatter = ISO8601DateFormatter()
            guard let parsed = formatter.date(from: at) else { throw ValidationError("--at takes an ISO 8601 time like 2026-03-02T09:00:00Z") }
            date = parsed
        }
        let rules = try ruleOptions.load()
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        var logger = Logger(label: "wadial")
        logger.logLevel = .warning
        let client = HTTPWadialClient(configuration: configuration, logger: logger)
        let store = try existingState(at: state)
        let sessions = rules.sessions ?? configuration.sessionID.map { [$0] } ?? []
        var rows: [[String]] = []
        do {
            for session in sessions {
                let engine = Engine(rules: rules, options: .init(sessions: [session], dryRun: true), client: client, store: store, clock: ContinuousClock(), logger: logger)
                let (_, plan) = try await engine.plan(session: session, at: date)
                for action in plan.actions {
                    let targets = action.requests.isEmpty ? "-" : action.requests.map(\.jid.rawValue).joined(separator: " ")
                    rows.append([action.source, action.group.jid.rawValue, action.name + (action.mode == .audit ? " (audit)" : ""), targets, action.reason])
                }
                for note in plan.notes {
                    rows.append([note.source, note.group.rawValue, note.action + " (audit)", "-", note.detail])
                }
            }
        } catch {
            try await client.shutdown()
            printError("error: \(error)")
            throw ExitCode(1)
        }
        try await client.shutdown()
        print(Table.render(header: ["RULE", "GROUP", "ACTION", "TARGETS", "WHY"], rows: rows))
        print(rows.isEmpty ? "nothing to do" : "\(rows.count) action\(rows.count == 1 ? "" : "s") would be taken")
    }
}

/// The state file for reading, or an empty memory store when there is none: `plan` and
/// `explain` never create a state file.
func existingState(at path: String) throws -> any StateStore {
    FileManager.default.fileExists(atPath: path) ? try SQLiteStateStore(path: path) : MemoryStateStore()
}

enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
