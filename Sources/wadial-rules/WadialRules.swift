import ArgumentParser

@main
struct WadialRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wadial-rules",
        abstract: "Workflow automation rules for WhatsApp groups managed through the WADial API.",
        version: WadialRules.version,
        subcommands: [RunCommand.self, PlanCommand.self, CheckCommand.self, ExplainCommand.self, AuditCommand.self, PruneCommand.self, BackupCommand.self, TestCommand.self, SchemaCommand.self, SandboxCommand.self, APICommand.self]
    )

    /// The release: `wadial-rules --version`, and the start line of `run`.
    static let version = "0.7.0"

    /// As ArgumentParser's, with broken pipes made errors of the write first (`StandardStreams`).
    static func main() async {
        StandardStreams.ignoreBrokenPipes()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
