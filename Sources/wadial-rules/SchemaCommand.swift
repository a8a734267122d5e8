import ArgumentParser
import Rules

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the rule language (for editor completion)."
    )

    func run() {
        print(RuleSchema.json())
    }
}
