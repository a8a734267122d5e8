import ArgumentParser

@main
struct WadialRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wadial-rules",
        abstract: "Workflow automation rules for WhatsApp groups managed through the WADial API.",
        subcommands: [RunCommand.self, PlanCommand.self, CheckCommand.self, ExplainCommand.self, AuditCommand.self, TestCommand.self, SchemaCommand.self, SandboxCommand.self, APICommand.self]
    )
}
