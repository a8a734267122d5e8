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

    @Option(help: "From when: a duration back from now (24h, 7d), a date (2026-12-01), a local time (2026-12-01T08:00) or an instant (…Z).")
    var since = "24h"

    @Option(help: "Until when (same forms as --since); default: now.")
    var until: String?

    @Option(help: "Show times in this IANA timezone (default: the rules' settings.timezone, else UTC).")
    var timezone: String?

    @Option(help: "The rules whose timezone the times are shown in (default: rules, when it exists).")
    var rules = "rules"

    @Option(help: "Only this rule or policy id.")
    var rule: String?

    @Option(help: "Only this group JID.")
    var group: String?

    @Option(help: "The state store: a SQLite file, or postgres://USER@HOST:PORT/DB (default: $WADIAL_STATE, else .wadial-rules/state.sqlite).")
    var state: String?

    @Option(help: "text or json")
    var format: Format = .text

    func run() async throws {
        let zone = try displayZone()
        let now = Date()
        guard let from = TimeText.moment(since, in: zone, now: now) else {
            throw ValidationError("--since takes \(TimeText.momentHelp); found \(TextEscaping.quoted(since))")
        }
        var to = now
        if let until {
            guard let moment = TimeText.moment(until, in: zone, now: now) else {
                throw ValidationError("--until takes \(TimeText.momentHelp); found \(TextEscaping.quoted(until))")
            }
            to = moment
        }
        guard from <= to else { throw ValidationError("--since is after --until: nothing can be between them") }
        let location = try StateLocation.resolve(state)
        guard location.exists else {
            throw fail("no state file at \(location) (the engine has not run here, or pass --state)")
        }
        var logger = Logger(label: "wadial")
        logger.logLevel = .warning
        let store = try await location.open(logger: logger, reading: true)
        let entries: [AuditEntry]
        do {
            entries = try await store.audit(since: from, rule: rule, group: group).filter { $0.at <= to }
        } catch {
            await store.close()
            throw fail("\(error)")
        }
        await store.close()
        switch format {
        case .json:
            try printJSON(entries)
        case .text:
            let rows = entries.map { entry in
                [LocalTimeText.format(entry.at, in: zone), entry.rule, entry.group + (entry.groupKind.map { " (\($0))" } ?? ""), entry.action, entry.targets.isEmpty ? "-" : entry.targets.joined(separator: " "),
                 entry.mode.rawValue, entry.outcome.rawValue, entry.detail]
            }
            print(Table.render(header: ["TIME", "RULE", "GROUP", "ACTION", "TARGETS", "MODE", "OUTCOME", "DETAIL"], rows: rows))
            print("\(entries.count) entr\(entries.count == 1 ? "y" : "ies") from \(LocalTimeText.format(from, in: zone)) to \(LocalTimeText.format(to, in: zone))")
        }
    }

    /// `--timezone`, else the rules' timezone (when the rules load), else UTC.
    func displayZone() throws -> TimeZone {
        if let timezone {
            guard let zone = TimeZone(identifier: timezone) else { throw ValidationError("--timezone takes an IANA name like Europe/Berlin; found \(TextEscaping.quoted(timezone))") }
            return zone
        }
        guard FileManager.default.fileExists(atPath: rules), let loaded = try? RuleLoader(environment: ProcessInfo.processInfo.environment).load(paths: [rules]) else {
            return LocalTimeText.zone("UTC")
        }
        return LocalTimeText.zone(loaded.settings.timezone)
    }
}
