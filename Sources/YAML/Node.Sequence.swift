extension Node {
    public struct Sequence: Sendable, Hashable {
        public var items: [Node]
        public var mark: Mark
        /// Written `[a, b]` rather than as a block.
        public var isFlow: Bool

        public init(_ items: [Node], mark: Mark = Mark(line: 1, column: 1), isFlow: Bool = false) {
            self.items = items
            self.mark = mark
            self.isFlow = isFlow
        }

        public static func == (lhs: Sequence, rhs: Sequence) -> Bool { lhs.items == rhs.items }
        public func hash(into hasher: inout Hasher) { hasher.combine(items) }
    }
}
