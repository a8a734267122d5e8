import ArgumentParser

@main
struct WadialRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wadial-rules",
        abstract: "Workflow automation rules for WhatsApp groups managed through the WADial API.",
        subcommands: [Check.self, Schema.self, SandboxCommand.self, APICommand.self]
    )
}
