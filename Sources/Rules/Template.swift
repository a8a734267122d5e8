import Foundation

/// Text with `{{name}}` placeholders, filled in when an action runs.
///
/// Only plain variables are supported (`{{group.jid}}`); `{{{name}}}` and `{{& name}}` are read
/// as the same variable. Sections, partials and comments are rejected when rules load.
///
/// `render` puts values in as they are unless it is given an `escape` function: today no caller
/// passes one, so values go out raw wherever the template goes.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case text(String)
        case variable(String)
    }

    public static let variables = [
        "group.jid", "group.subject", "group.size", "rule.id", "now",
        "invite.code", "invite.link", "requests.count",
    ]

    public let source: String
    public let parts: [Part]

    public var description: String { source }

    public struct ParseError: Error, Sendable, Hashable {
        public let message: String
        public let suggestion: String?
    }

    public var variablesUsed: [String] {
        parts.compactMap { if case .variable(let name) = $0 { name } else { nil } }
    }

    public init(parsing source: String) throws(ParseError) {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(source)
        while let open = rest.firstRange(of: "{{") {
            text += rest[..<open.lowerBound]
            rest = rest[open.upperBound...]
            var triple = false
            if rest.hasPrefix("{") {
                triple = true
                rest = rest.dropFirst()
            }
            let closer = triple ? "}}}" : "}}"
            guard let close = rest.firstRange(of: closer) else {
                throw ParseError(message: "\"{{\" is not closed by \"\(closer)\"", suggestion: nil)
            }
            var name = String(rest[..<close.lowerBound].trimmingBlanks)
            rest = rest[close.upperBound...]
            if name.hasPrefix("&") { name = String(name.dropFirst().trimmingBlanks) }
            if let first = name.first, "#^/!>=".contains(first) {
                throw ParseError(message: "template sections and tags like \"{{\(first)\" are not supported; use plain {{variable}}", suggestion: nil)
            }
            guard Self.variables.contains(name) else {
                throw ParseError(
                    message: "unknown template variable \"\(name)\"; expected one of \(Self.variables.joined(separator: ", "))",
                    suggestion: Suggestion.closest(to: name, among: Self.variables).map { "did you mean \"{{\($0)}}\"?" })
            }
            if !text.isEmpty {
                parts.append(.text(text))
                text = ""
            }
            parts.append(.variable(name))
        }
        text += rest
        if !text.isEmpty { parts.append(.text(text)) }
        self.source = source
        self.parts = parts
    }

    /// The text with each variable replaced by `values[name]` (empty when absent).
    public func render(_ values: [String: String], escape: (String) -> String = { $0 }) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .variable(let name): escape(values[name] ?? "")
            }
        }.joined()
    }
}
