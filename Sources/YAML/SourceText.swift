/// A source text split into lines once, to quote the line of a diagnostic.
public struct SourceText: Sendable {
    public let name: String
    private let lines: [Substring]

    public init(name: String, text: String) {
        self.name = name
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The 1-based line `number`, without its line break; nil outside the text.
    public func line(_ number: Int) -> String? {
        guard number >= 1, number <= lines.count else { return nil }
        var line = lines[number - 1]
        if line.last == "\r" { line = line.dropLast() }
        // Very long lines are cut: a diagnostic quotes context, not the whole file.
        return line.count > 300 ? String(line.prefix(300)) : String(line)
    }

    public func diagnostic(at mark: Mark?, _ message: String, notes: [String] = []) -> Diagnostic {
        Diagnostic(file: name, mark: mark, message: message, sourceLine: mark.flatMap { line($0.line) }, notes: notes)
    }
}
