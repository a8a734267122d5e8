/// A problem reading YAML: from libyaml (reader, scanner, parser) or from composing the tree.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case reader, scanner, parser, composer, limit
    }

    private let code: Code
    public let diagnostic: Diagnostic

    private init(_ code: Code, _ diagnostic: Diagnostic) {
        self.code = code
        self.diagnostic = diagnostic
    }

    /// Bad bytes: invalid UTF-8 or UTF-16, control characters.
    public static func reader(_ diagnostic: Diagnostic) -> YAMLError { .init(.reader, diagnostic) }
    /// Bad tokens: tabs for indentation, unterminated quotes, stray characters.
    public static func scanner(_ diagnostic: Diagnostic) -> YAMLError { .init(.scanner, diagnostic) }
    /// Bad structure: a key where a value belongs, an unclosed flow collection.
    public static func parser(_ diagnostic: Diagnostic) -> YAMLError { .init(.parser, diagnostic) }
    /// Well-formed YAML that we do not accept: duplicate keys, unknown aliases, several documents, unsupported tags.
    public static func composer(_ diagnostic: Diagnostic) -> YAMLError { .init(.composer, diagnostic) }
    /// Input over a size, depth or expansion limit.
    public static func limit(_ diagnostic: Diagnostic) -> YAMLError { .init(.limit, diagnostic) }

    public var isReaderError: Bool { code == .reader }
    public var isScannerError: Bool { code == .scanner }
    public var isParserError: Bool { code == .parser }
    public var isComposerError: Bool { code == .composer }
    public var isLimitError: Bool { code == .limit }

    public var mark: Mark? { diagnostic.mark }
    public var message: String { diagnostic.message }
    public var description: String { diagnostic.description }
}
