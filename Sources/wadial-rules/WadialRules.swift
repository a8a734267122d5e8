import ArgumentParser
import Foundation
import Rules

@main
struct WadialRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wadial-rules",
        abstract: "Workflow automation rules for WhatsApp groups managed through the WADial API.",
        version: WadialRules.version,
        subcommands: [RunCommand.self, PlanCommand.self, CheckCommand.self, ExplainCommand.self, AuditCommand.self, PruneCommand.self, BackupCommand.self, TestCommand.self, SchemaCommand.self, SandboxCommand.self, APICommand.self]
    )

    /// The release: `wadial-rules --version`, and the start line of `run`.
    static let version = "0.9.0"

    /// As ArgumentParser's, with broken pipes made errors of the write first (`StandardStreams`).
    static func main() async {
        StandardStreams.ignoreBrokenPipes()
        var parsed: (any ParsableCommand)?
        do {
            var command = try parseAsRoot()
            parsed = command
            if let problem = RuleLoader.threadsProblem(ProcessInfo.processInfo.environment) {
                throw fail(problem)
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            // A usage error found while running (a flag's value checked late): the usage shown is
            // the subcommand's, as for one found while parsing.
            guard let parsed else { exit(withError: error) }
            let usage = type(of: parsed).usageString()
            StandardStreams.err("Error: \(error.message)\nUsage: wadial-rules \(usage)\n  See 'wadial-rules \(type(of: parsed).configuration.commandName ?? "") --help' for more information.\n")
            Foundation.exit(64)
        } catch {
            exit(withError: error)
        }
    }
}
