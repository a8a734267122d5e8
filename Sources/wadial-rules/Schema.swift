import ArgumentParser
import Rules

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema of the rule language (for editor completion)."
    )

    func run() {
        print(RuleSchema.json())
    }
}
