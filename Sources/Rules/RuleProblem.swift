public import YAML

/// One thing wrong with a rule file: where, at which key path, and what was expected.
public struct RuleProblem: Error, Sendable, Hashable, CustomStringConvertible, Encodable {
    public var file: String
    public var mark: Mark?
    /// The key path in the file, like `rules[2].then[0].set_ephemeral`; empty for file-level problems.
    public var path: String
    public var message: String
    /// A likely fix: `did you mean "approve_requests"?`.
    public var suggestion: String?
    public var sourceLine: String?

    public init(file: String, mark: Mark?, path: String, message: String, suggestion: String? = nil, sourceLine: String? = nil) {
        self.file = file
        self.mark = mark
        self.path = path
        self.message = message
        self.suggestion = suggestion
        self.sourceLine = sourceLine
    }

    init(_ error: YAMLError) {
        let diagnostic = error.diagnostic
        self.init(file: diagnostic.file, mark: diagnostic.mark, path: "", message: diagnostic.message, sourceLine: diagnostic.sourceLine)
        suggestion = diagnostic.notes.first.map { $0.hasPrefix("help: ") ? String($0.dropFirst(6)) : $0 }
    }

    public var diagnostic: Diagnostic {
        Diagnostic(
            file: file, mark: mark, message: path.isEmpty ? message : "\(path): \(message)",
            sourceLine: sourceLine, notes: suggestion.map { ["help: \($0)"] } ?? [])
    }

    public var description: String { diagnostic.description }

    private enum CodingKeys: String, CodingKey {
        case file, line, column, path, message, suggestion
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encodeIfPresent(mark?.line, forKey: .line)
        try container.encodeIfPresent(mark?.column, forKey: .column)
        try container.encode(path, forKey: .path)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(suggestion, forKey: .suggestion)
    }
}

/// Every problem found while loading a rule set; none of it runs.
public struct RuleLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [RuleProblem]

    public init(problems: [RuleProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }

    /// `3 errors in 2 files`.
    public var summary: String {
        let files = Set(problems.map(\.file)).count
        return "\(problems.count) error\(problems.count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s")"
    }
}
