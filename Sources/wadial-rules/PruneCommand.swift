import ArgumentParser
import Foundation
import Logging
import Rules
import State
import WadialModels

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove records older than the rules' retention from the state store (run does it on its own).",
        discussion: """
            Removes audit rows older than settings.retention.audit (default 90d), closed journal intents older than \
            retention.journal (30d), and acted-on records whose request has not been listed for retention.acted (30d, at \
            least 7d). Open journal intents, hand-offs and leases are never removed. Safe while the engine runs: it works \
            in small batches, each in its own short transaction.
            """
    )

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "The state store: a SQLite file, or postgres://USER@HOST:PORT/DB (default: $WADIAL_STATE, else .wadial-rules/state.sqlite).")
    var state: String?

    @Flag(help: "Only count what would be removed.")
    var dryRun = false

    func run() async throws {
        let rules = try ruleOptions.load()
        let location = try StateLocation.resolve(state)
        guard location.exists else { throw fail("no state file at \(location) (the engine has not run here, or pass --state)") }
        var logger = Logger(label: "wadial")
        logger.logLevel = .warning
        let store = try await location.open(logger: logger, reading: true)
        let retention = rules.settings.retention
        var total = PruneReport()
        do {
            if dryRun {
                total = try await store.prune(retention.store, now: Date(), batch: 1_000_000_000, dryRun: true)
            } else {
                while true {
                    let report = try await store.prune(retention.store, now: Date(), batch: 1000, dryRun: false)
                    total = total + report
                    if max(report.audit, report.journal, report.acted) < 1000 { break }
                }
            }
        } catch {
            await store.close()
            throw fail("\(error)")
        }
        await store.close()
        let verb = dryRun ? "would remove" : "removed"
        print("\(verb) \(total.audit) audit row\(total.audit == 1 ? "" : "s") (older than \(RuleDuration.format(retention.audit))), "
            + "\(total.journal) closed journal intent\(total.journal == 1 ? "" : "s") (older than \(RuleDuration.format(retention.journal))), "
            + "\(total.acted) acted-on record\(total.acted == 1 ? "" : "s") (not listed for \(RuleDuration.format(retention.acted)))")
    }
}
