extension Node {
    /// A scalar as written: its text, how it was quoted, and its explicit tag if any.
    public struct Scalar: Sendable, Hashable {
        public enum Style: Sendable, Hashable {
            case plain, singleQuoted, doubleQuoted, literal, folded
        }

        public var string: String
        public var style: Style
        /// The explicit tag, expanded (`tag:yaml.org,2002:str` for `!!str`); nil when none was written.
        public var tag: String?
        public var mark: Mark

        public init(_ string: String, style: Style = .plain, tag: String? = nil, mark: Mark = Mark(line: 1, column: 1)) {
            self.string = string
            self.style = style
            self.tag = tag
            self.mark = mark
        }

        public static func == (lhs: Scalar, rhs: Scalar) -> Bool {
            lhs.value == rhs.value
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(value)
        }

        /// The scalar under the YAML 1.2 core schema.
        public var value: Value { Value.resolve(self) }

        var kindDescription: String {
            switch value {
            case .null: "null"
            case .bool(let bool): "the boolean \(bool)"
            case .int: "the number \(string)"
            case .float: "the number \(string)"
            case .string(let text): "the string \"\(text.truncatedForMessage)\""
            }
        }
    }
}

extension String {
    /// At most 60 characters, for quoting user input in messages.
    var truncatedForMessage: String {
        count <= 60 ? self : String(prefix(57)) + "..."
    }
}
