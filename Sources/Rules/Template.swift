import Foundation
import WadialModels

/// Text with `{{name}}` placeholders, filled in when an action runs.
///
/// Only plain variables are supported (`{{group.jid}}`); `{{{name}}}` and `{{& name}}` are read
/// as the same variable, and noted in `unescapedVariables` (the loader refuses them where values
/// are escaped: in a webhook's URL and JSON body). Sections, partials and comments are rejected
/// when rules load.
///
/// `render` escapes each value for where the text goes: the executor passes percent-encoding for
/// a URL and JSON string content for a JSON body; a log message and a group's subject or
/// description take the values as they are (they are not parsed by anyone, and log lines escape
/// control characters themselves).
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
    /// The variables written `{{{name}}}` or `{{& name}}`: "insert unescaped".
    public let unescapedVariables: [String]

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
        var unescaped: [String] = []
        var text = ""
        var rest = Substring(source)
        while let open = rest.firstRange(ofASCII: "{{") {
            text += rest[..<open.lowerBound]
            rest = rest[open.upperBound...]
            var triple = false
            if rest.utf8.first == UInt8(ascii: "{") {
                triple = true
                // One byte, not one Character: a combining mark after the brace stays in the name.
                rest = rest[rest.utf8.index(after: rest.startIndex)...]
            }
            let closer: StaticString = triple ? "}}}" : "}}"
            guard let close = rest.firstRange(ofASCII: closer) else {
                throw ParseError(message: "\"{{\" is not closed by \"\(closer)\"", suggestion: nil)
            }
            var name = String(rest[..<close.lowerBound].trimmingBlanks)
            rest = rest[close.upperBound...]
            var raw = triple
            if name.hasPrefix("&") {
                name = String(name.dropFirst().trimmingBlanks)
                raw = true
            }
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
            if raw { unescaped.append(name) }
        }
        text += rest
        if !text.isEmpty { parts.append(.text(text)) }
        self.source = source
        self.parts = parts
        self.unescapedVariables = unescaped
    }

    /// The text with each variable replaced by `escape(values[name])` (empty when absent).
    public func render(_ values: [String: String], escape: (String) -> String = { $0 }) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .variable(let name): escape(values[name] ?? "")
            }
        }.joined()
    }
}
