/// libyaml's words for the commonest YAML mistakes, said plainly and pointed at the line that
/// caused them: a tab in the indentation, a key at the wrong indentation, a quote or a bracket
/// left open. libyaml's own message stays as a note for whoever wants it. Anything else is left
/// in libyaml's words.
enum PlainYAMLMistakes {
    struct Explained {
        var message: String
        var mark: Mark
        var notes: [String]
    }

    static func explain(problem: String, context: String?, problemMark: Mark, contextMark: Mark?, source: SourceText) -> Explained? {
        let original = "libyaml: " + problem + (context.map { c in " (\(c)" + (contextMark.map { " at \($0)" } ?? "") + ")" } ?? "")
        // A quote left open is found first: every later message is a consequence of it.
        if let open = openQuote(before: problemMark, contextMark: contextMark, source: source) {
            return Explained(
                message: "the \(open.quote) here is never closed: close it on the same line (write \(open.quote == "\"" ? "\\\"" : "''") for a quote inside the text)",
                mark: open.mark, notes: [original])
        }
        if let line = source.line(problemMark.line), let tab = line.firstIndex(of: "\t"),
           problem.contains("tab") || problem.contains("cannot start any token") {
            let column = line.distance(from: line.startIndex, to: tab) + 1
            return Explained(message: "a tab character: YAML indents with spaces only; replace the tab with spaces",
                             mark: Mark(line: problemMark.line, column: column), notes: [original])
        }
        if let context, let contextMark, context.contains("flow sequence") || context.contains("flow mapping") {
            let bracket = context.contains("flow sequence") ? ("[", "]") : ("{", "}")
            return Explained(
                message: "the \(bracket.0) here is never closed: close it with \(bracket.1) on the same line, or put a comma between its items",
                mark: contextMark, notes: [original])
        }
        if problem.hasPrefix("did not find expected key") || problem.hasPrefix("did not find expected '-' indicator")
            || problem.hasPrefix("mapping values are not allowed") {
            return indentation(at: problemMark, source: source).map { Explained(message: $0.message, mark: $0.mark, notes: [original]) }
        }
        return nil
    }

    /// The last line from the context's start to the problem whose double (or single) quotes do
    /// not pair up, outside comments.
    private static func openQuote(before problem: Mark, contextMark: Mark?, source: SourceText) -> (quote: Character, mark: Mark)? {
        guard problem.line >= 1 else { return nil }
        let first = max(1, min(contextMark?.line ?? problem.line, problem.line) - 20)
        var found: (Character, Mark)?
        for number in first...problem.line {
            guard let line = source.line(number) else { continue }
            var open: (Character, Int)?
            var column = 0
            var previous: Character = " "
            for character in line {
                column += 1
                if let (quote, _) = open {
                    if character == quote, !(quote == "\"" && previous == "\\") { open = nil }
                } else if character == "#", previous == " " || column == 1 {
                    break
                } else if character == "\"" || character == "'", " :[{,-".contains(previous) {
                    // A quote starts a quoted scalar only where a token starts (`5" screen` is plain text).
                    open = (character, column)
                }
                previous = character
            }
            if let (quote, at) = open { found = (quote, Mark(line: number, column: at)) }
        }
        return found
    }

    private static func spaces(_ count: Int) -> String {
        count == 1 ? "1 space" : "\(count) spaces"
    }

    private static func indent(_ line: String) -> Int {
        line.prefix { $0 == " " }.count
    }

    private static func isContent(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " }
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
    }

    /// The key a line opens (`if` of `    if:`), or nil.
    private static func key(_ line: String) -> String? {
        var text = line.drop { $0 == " " }
        if text.hasPrefix("- ") { text = text.dropFirst(2).drop { $0 == " " } }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let name = text[..<colon]
        guard !name.isEmpty, !name.contains(" "), !name.contains("{"), !name.contains("[") else { return nil }
        return String(name)
    }

    /// Where a key's own column is: past a list item's `- `.
    private static func keyColumn(_ line: String) -> Int {
        var text = Substring(line)
        var column = indent(line)
        text = text.dropFirst(column)
        if text.hasPrefix("- ") {
            let rest = text.dropFirst(2)
            column += 2 + rest.prefix { $0 == " " }.count
        }
        return column
    }

    /// A line whose indentation lines up with no key above it: which it is, and where it would go.
    private static func indentation(at problem: Mark, source: SourceText) -> (message: String, mark: Mark)? {
        // The culprit: the first content line from the problem upward whose indentation is off,
        // starting at the problem line itself.
        guard let line = source.line(problem.line), isContent(line), let name = key(line) else { return nil }
        let here = indent(line)
        // The keys above, innermost first: each one less indented than the last.
        var chain: [(key: String, column: Int, line: Int, hasValue: Bool)] = []
        var number = problem.line - 1
        while number >= 1, chain.count < 8 {
            defer { number -= 1 }
            guard let above = source.line(number), isContent(above), let aboveKey = key(above) else { continue }
            let column = keyColumn(above)
            if let last = chain.last, column >= last.column { continue }
            let afterColon = above.split(separator: ":", maxSplits: 1).dropFirst().first.map { $0.drop { $0 == " " } } ?? ""
            chain.append((aboveKey, column, number, !afterColon.isEmpty && !afterColon.hasPrefix("#")))
            if column == 0 { break }
        }
        guard let nearest = chain.first else { return nil }
        let parent = chain.first { $0.column < nearest.column }
        if here > nearest.column {
            // Deeper than the key above it, whose value is already given on its line.
            let under = parent.map { ", under `\($0.key):`" } ?? ""
            return ("`\(name):` is indented \(spaces(here)), deeper than `\(nearest.key):` above it" + (nearest.hasValue ? ", whose value is already given" : "")
                    + ": indent it \(spaces(nearest.column)), beside `\(nearest.key):`\(under)?", Mark(line: problem.line, column: here + 1))
        }
        // Between two levels: the next level out and the next level in.
        if let outer = chain.first(where: { $0.column < here }), let inner = chain.last(where: { $0.column > here }) {
            return ("`\(name):` is indented \(spaces(here)), which lines up with no key above it: indent it \(spaces(inner.column)), beside `\(inner.key):`, "
                    + "or \(outer.column), beside `\(outer.key):`?", Mark(line: problem.line, column: here + 1))
        }
        return nil
    }
}
