extension Node {
    public struct Sequence: Sendable, Hashable {
        public var items: [Node]
        public var mark: Mark
        /// Written `[a, b]` rather than as a block.
        public var isFlow: Bool
        /// Some value below holds a `$`; false only when the parser saw none, so that `${VAR}`
        /// substitution can skip the collection. Not part of equality.
        public var valuesHoldDollar = true

        public init(_ items: [Node], mark: Mark = Mark(line: 1, column: 1), isFlow: Bool = false) {
            self.items = items
            self.mark = mark
            self.isFlow = isFlow
        }

        public static func == (lhs: Sequence, rhs: Sequence) -> Bool { lhs.items == rhs.items }
        public func hash(into hasher: inout Hasher) { hasher.combine(items) }
    }
}
