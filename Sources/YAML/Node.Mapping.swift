extension Node {
    /// A mapping with its pairs in source order. Keys are unique (the parser rejects duplicates).
    public struct Mapping: Sendable, Hashable {
        public struct Pair: Sendable, Hashable {
            public var key: Node
            public var value: Node

            public init(key: Node, value: Node) {
                self.key = key
                self.value = value
            }
        }

        public var pairs: [Pair]
        public var mark: Mark
        public var isFlow: Bool
        /// Some value below holds a `$`; false only when the parser saw none, so that `${VAR}`
        /// substitution can skip the collection. Not part of equality.
        public var valuesHoldDollar = true

        public init(_ pairs: [Pair], mark: Mark = Mark(line: 1, column: 1), isFlow: Bool = false) {
            self.pairs = pairs
            self.mark = mark
            self.isFlow = isFlow
        }

        /// The value for the scalar key `key`, compared by its text.
        public subscript(key: String) -> Node? {
            pairs.first { $0.key.scalar?.string == key }?.value
        }

        /// The pair whose scalar key is `key`.
        public func pair(_ key: String) -> Pair? {
            pairs.first { $0.key.scalar?.string == key }
        }

        public static func == (lhs: Mapping, rhs: Mapping) -> Bool { lhs.pairs == rhs.pairs }
        public func hash(into hasher: inout Hasher) { hasher.combine(pairs) }
    }
}
