import ArgumentParser
import Foundation
import Rules
import WadialModels

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate rule files; print every error with file:line:column.",
        discussion: """
            Exits 0 when every file is valid, 1 when any is not. Folders contribute their *.yaml and *.yml files. \
            Warnings (rules and policies that set one setting of one group to different values) are printed \
            and do not change the exit status, unless --strict is given.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Rule files or folders (default: ./rules).")
    var paths: [String] = []

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Exit 1 when there are warnings too.")
    var strict = false

    func run() throws {
        let paths = paths.isEmpty ? ["rules"] : paths
        let loader = RuleLoader()
        let result = Result { () throws(RuleLoadError) -> RuleSet in try loader.load(paths: paths) }
        // The process ends right after: the rule set is left to the exit, not freed piece by piece
        // (a tenth of a large check went to tearing it down).
        Self.keptUntilExit = result
        let report = (try? result.get()).map(ConflictCheck.check)
        let warnings = report?.warnings ?? []
        let pairs = report?.pairs ?? 0
        switch (result, format) {
        case (.success(let set), .text):
            for warning in warnings { print(Self.visible(warning.description)) }
            let counted = pairs == 0 ? "" : ", \(pairs) warning\(pairs == 1 ? "" : "s")" + (pairs > ConflictCheck.maximumWarnings ? " (\(ConflictCheck.maximumWarnings) listed)" : "")
            print("ok: \(set.files.count) file\(set.files.count == 1 ? "" : "s"), \(set.rules.count) rule\(set.rules.count == 1 ? "" : "s"), \(set.policies.count) polic\(set.policies.count == 1 ? "y" : "ies")\(counted)")
            if strict && !warnings.isEmpty { throw Exit.failure }
        case (.failure(let error), .text):
            print(Self.visible(error.description))
            print(error.summary)
            throw Exit.failure
        case (.success(let set), .json):
            try printJSON(CheckReport(valid: true, files: set.files, rules: set.rules.count, policies: set.policies.count, problems: [], warnings: warnings))
            if strict && !warnings.isEmpty { throw Exit.failure }
        case (.failure(let error), .json):
            try printJSON(CheckReport(valid: false, files: nil, rules: nil, policies: nil, problems: error.problems, warnings: []))
            throw Exit.failure
        }
    }

    /// Text from the rule files (names, values) with control and direction characters shown as
    /// escapes, line by line (a diagnostic spans lines).
    nonisolated(unsafe) private static var keptUntilExit: Result<RuleSet, RuleLoadError>?

    static func visible(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { TextEscaping.visible(String($0)) }.joined(separator: "\n")
    }

    private func printJSON(_ report: CheckReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    struct CheckReport: Encodable {
        let valid: Bool
        let files: [String]?
        let rules: Int?
        let policies: Int?
        let problems: [RuleProblem]
        let warnings: [RuleWarning]
    }
}
