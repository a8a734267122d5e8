import ArgumentParser
import Foundation
import Logging
import Rules
import State
import WadialModels

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "What was done, and what audit-mode rules and policies would have done, from the state store."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "How far back: a duration like 24h or 7d.")
    var since = "24h"

    @Option(help: "Only this rule or policy id.")
    var rule: String?

    @Option(help: "Only this group JID.")
    var group: String?

    @Option(help: "The state store: a SQLite file, or postgres://USER@HOST:PORT/DB (default: $WADIAL_STATE, else .wadial-rules/state.sqlite).")
    var state: String?

    @Option(help: "text or json")
    var format: Format = .text

    func run() async throws {
        guard let seconds = RuleDuration.seconds(since) else { throw ValidationError("--since takes a duration like 45m, 24h or 7d") }
        let location = try StateLocation.resolve(state)
        guard location.exists else {
            throw fail("no state file at \(location) (the engine has not run here, or pass --state)")
        }
        var logger = Logger(label: "wadial")
        logger.logLevel = .warning
        let store = try await location.open(logger: logger, reading: true)
        let entries: [AuditEntry]
        do {
            entries = try await store.audit(since: Date().addingTimeInterval(-Double(seconds)), rule: rule, group: group)
        } catch {
            await store.close()
            throw fail("\(error)")
        }
        await store.close()
        switch format {
        case .json:
            try printJSON(entries)
        case .text:
            let formatter = ISO8601DateFormatter()
            let rows = entries.map { entry in
                [formatter.string(from: entry.at), entry.rule, entry.group, entry.action, entry.targets.isEmpty ? "-" : entry.targets.joined(separator: " "),
                 entry.mode.rawValue, entry.outcome.rawValue, entry.detail]
            }
            print(Table.render(header: ["TIME", "RULE", "GROUP", "ACTION", "TARGETS", "MODE", "OUTCOME", "DETAIL"], rows: rows))
            print("\(entries.count) entr\(entries.count == 1 ? "y" : "ies") since \(formatter.string(from: Date().addingTimeInterval(-Double(seconds))))")
        }
    }
}
