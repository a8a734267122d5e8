/// One problem in a source file, printed like a compiler diagnostic:
///
///     rules/a.yaml:3:7: error: message
///         then: [approve]
///               ^
///       help: did you mean "approve_requests"?
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    public var file: String
    public var mark: Mark?
    public var severity: Severity
    public var message: String
    /// The source line the mark points into, without its line break.
    public var sourceLine: String?
    /// Extra lines such as `help: did you mean "x"?`.
    public var notes: [String]

    public init(file: String, mark: Mark?, severity: Severity = .error, message: String, sourceLine: String? = nil, notes: [String] = []) {
        self.file = file
        self.mark = mark
        self.severity = severity
        self.message = message
        self.sourceLine = sourceLine
        self.notes = notes
    }

    public var location: String {
        guard let mark else { return file }
        return "\(file):\(mark.line):\(mark.column)"
    }

    public var description: String {
        var lines = ["\(location): \(severity.rawValue): \(message)"]
        if let sourceLine, let mark {
            // Tabs keep their width so that the caret lines up under the character.
            let shown = sourceLine.replacingTabs()
            lines.append("    " + shown)
            let prefix = String(sourceLine.prefix(max(mark.column - 1, 0))).replacingTabs()
            lines.append("    " + String(repeating: " ", count: prefix.count) + "^")
        }
        for note in notes {
            lines.append("  " + note)
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingTabs() -> String {
        var result = ""
        for character in self {
            if character == "\t" {
                result += "    "
            } else if character.isASCII, let ascii = character.asciiValue, ascii < 0x20 || ascii == 0x7f {
                result += "?"
            } else {
                result.append(character)
            }
        }
        return result
    }
}
