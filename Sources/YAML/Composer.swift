/// Builds the `Node` tree from events, without recursion, so deep input cannot exhaust the stack.
struct Composer {
    private struct Anchored {
        let node: Node
        let size: Int
    }

    private enum Entry {
        case pair(Node.Mapping.Pair)
        case merge(Node)
    }

    private enum Content {
        case sequence([Node])
        case mapping(entries: [Entry], pendingKey: Node?, keys: KeyIndex)
    }

    /// The keys of a mapping being built, to find duplicates. Most mappings have a handful of
    /// scalar keys: those are compared by value in a list; a dictionary takes over past 16 keys.
    struct KeyIndex {
        private enum Identity: Hashable {
            case scalar(Node.Scalar.Value)
            case other(Node)
        }

        private var small: [(Identity, Mark)] = []
        private var large: [Identity: Mark]?

        private static func identity(_ key: Node) -> Identity {
            if let scalar = key.scalar { .scalar(scalar.value) } else { .other(key) }
        }

        /// Adds `key`; the mark of the same key set earlier, if any (then nothing is added).
        mutating func insert(_ key: Node) -> Mark? {
            let identity = Self.identity(key)
            if var large {
                if let first = large[identity] { return first }
                self.large = nil  // keep the dictionary uniquely referenced while inserting
                large[identity] = key.mark
                self.large = large
                return nil
            }
            if let first = small.first(where: { $0.0 == identity }) { return first.1 }
            small.append((identity, key.mark))
            if small.count > 16 {
                large = Dictionary(small, uniquingKeysWith: { first, _ in first })
                small = []
            }
            return nil
        }
    }

    private struct Frame {
        var content: Content
        let anchor: String?
        let mark: Mark
        let isFlow: Bool
        var size = 1
    }

    private let source: SourceText
    private let limits: YAMLParser.Limits
    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    private var documents = 0
    private var nodeCount = 0
    private(set) var root: Node?

    init(source: SourceText, limits: YAMLParser.Limits) {
        self.source = source
        self.limits = limits
    }

    static let coreTagPrefix = "tag:yaml.org,2002:"

    /// Takes one event; true at the end of the stream.
    mutating func consume(_ event: Event) throws(YAMLError) -> Bool {
        switch event {
        case .streamStart, .documentEnd:
            return false
        case .streamEnd:
            return true
        case .documentStart(let mark):
            documents += 1
            if documents > 1 {
                throw .composer(source.diagnostic(
                    at: mark, "a file holds one YAML document; found a second one here",
                    notes: ["help: remove the `---` separator, or split the documents into two files"]))
            }
            anchors = [:]
        case .alias(let anchor, let mark):
            guard let target = anchors[anchor] else {
                throw .composer(source.diagnostic(at: mark, "unknown anchor \"\(anchor)\": define it with &\(anchor) before using *\(anchor)"))
            }
            try count(target.size, at: mark)
            try add(target.node, size: target.size)
        case .scalar(let scalar, let anchor, let tag):
            try checkScalarTag(tag, scalar)
            try count(1, at: scalar.mark)
            let node = Node.scalar(scalar)
            if let anchor { anchors[anchor] = Anchored(node: node, size: 1) }
            try add(node, size: 1)
        case .sequenceStart(let anchor, let tag, let mark, let isFlow):
            try checkCollectionTag(tag, expected: "seq", at: mark)
            try push(Frame(content: .sequence([]), anchor: anchor, mark: mark, isFlow: isFlow))
        case .mappingStart(let anchor, let tag, let mark, let isFlow):
            try checkCollectionTag(tag, expected: "map", at: mark)
            try push(Frame(content: .mapping(entries: [], pendingKey: nil, keys: KeyIndex()), anchor: anchor, mark: mark, isFlow: isFlow))
        case .sequenceEnd, .mappingEnd:
            guard let frame = stack.popLast() else { return false }
            let node = try finish(frame)
            if let anchor = frame.anchor { anchors[anchor] = Anchored(node: node, size: frame.size) }
            try add(node, size: frame.size)
        }
        return false
    }

    private mutating func push(_ frame: Frame) throws(YAMLError) {
        guard stack.count < limits.maxDepth else {
            throw .limit(source.diagnostic(at: frame.mark, "nesting is deeper than \(limits.maxDepth) levels"))
        }
        try count(1, at: frame.mark)
        stack.append(frame)
    }

    private mutating func count(_ nodes: Int, at mark: Mark) throws(YAMLError) {
        nodeCount += nodes
        if nodeCount > limits.maxNodes {
            throw .limit(source.diagnostic(at: mark, "the document expands to more than \(limits.maxNodes) nodes (aliases included)"))
        }
    }

    private mutating func add(_ node: Node, size: Int) throws(YAMLError) {
        guard var parent = stack.popLast() else {
            root = node
            return
        }
        parent.size += size
        switch parent.content {
        case .sequence(var items):
            parent.content = .sequence([])  // keep `items` uniquely referenced while appending
            items.append(node)
            parent.content = .sequence(items)
        case .mapping(var entries, let pendingKey, var keys):
            parent.content = .sequence([])
            if let key = pendingKey {
                if Self.isMergeKey(key) {
                    entries.append(.merge(node))
                } else {
                    if let first = keys.insert(key) {
                        stack.append(parent)
                        throw .composer(source.diagnostic(
                            at: key.mark, "duplicate key \(Self.describe(key)); it was first set at line \(first.line)"))
                    }
                    entries.append(.pair(.init(key: key, value: node)))
                }
                parent.content = .mapping(entries: entries, pendingKey: nil, keys: keys)
            } else {
                parent.content = .mapping(entries: entries, pendingKey: node, keys: keys)
            }
        }
        stack.append(parent)
    }

    private func finish(_ frame: Frame) throws(YAMLError) -> Node {
        switch frame.content {
        case .sequence(let items):
            return .sequence(Node.Sequence(items, mark: frame.mark, isFlow: frame.isFlow))
        case .mapping(let entries, _, _):
            var pairs: [Node.Mapping.Pair] = []
            pairs.reserveCapacity(entries.count)
            // The keys already set: needed only when a merge key brings more.
            var present: Set<Node>?
            for entry in entries {
                switch entry {
                case .pair(let pair):
                    pairs.append(pair)
                case .merge(let value):
                    // Explicit keys win over merged ones; among merged sources, the earlier wins.
                    var seen = present ?? Set(entries.compactMap { if case .pair(let pair) = $0 { pair.key } else { nil } })
                    for source in try mergeSources(value) {
                        for pair in source.pairs where !seen.contains(pair.key) {
                            seen.insert(pair.key)
                            pairs.append(pair)
                        }
                    }
                    present = seen
                }
            }
            return .mapping(Node.Mapping(pairs, mark: frame.mark, isFlow: frame.isFlow))
        }
    }

    private func mergeSources(_ value: Node) throws(YAMLError) -> [Node.Mapping] {
        switch value {
        case .mapping(let mapping):
            return [mapping]
        case .sequence(let sequence):
            var sources: [Node.Mapping] = []
            for item in sequence.items {
                guard let mapping = item.mapping else {
                    throw .composer(source.diagnostic(at: item.mark, "a merge key (<<) takes mappings; found \(item.kindDescription)"))
                }
                sources.append(mapping)
            }
            return sources
        case .scalar:
            throw .composer(source.diagnostic(at: value.mark, "a merge key (<<) takes a mapping or a list of mappings; found \(value.kindDescription)"))
        }
    }

    private static func isMergeKey(_ key: Node) -> Bool {
        guard let scalar = key.scalar, scalar.string == "<<" else { return false }
        return (scalar.style == .plain && scalar.tag == nil) || scalar.tag == coreTagPrefix + "merge"
    }

    private static func describe(_ key: Node) -> String {
        if let scalar = key.scalar { return "\"\(scalar.string.truncatedForMessage)\"" }
        return key.kindDescription
    }

    private static func shortTag(_ tag: String) -> String {
        tag.hasPrefix(coreTagPrefix) ? "!!" + tag.dropFirst(coreTagPrefix.count) : tag
    }

    private func checkCollectionTag(_ tag: String?, expected: String, at mark: Mark) throws(YAMLError) {
        guard let tag, tag != "!", tag != Self.coreTagPrefix + expected else { return }
        throw .composer(source.diagnostic(at: mark, "unsupported tag \(Self.shortTag(tag)) on a \(expected == "seq" ? "list" : "mapping")"))
    }

    private func checkScalarTag(_ tag: String?, _ scalar: Node.Scalar) throws(YAMLError) {
        guard let tag, tag != "!" else { return }
        typealias Value = Node.Scalar.Value
        let text = scalar.string
        let fits: Bool
        switch tag {
        case Self.coreTagPrefix + "str": fits = true
        case Self.coreTagPrefix + "int": fits = Value.int(text) != nil
        case Self.coreTagPrefix + "float": fits = Value.float(text) != nil || Value.int(text) != nil
        case Self.coreTagPrefix + "bool": fits = Value.bool(text) != nil
        case Self.coreTagPrefix + "null": fits = Value.isNull(text)
        default:
            throw .composer(source.diagnostic(
                at: scalar.mark, "unsupported tag \(Self.shortTag(tag)); only !!str, !!int, !!float, !!bool and !!null are understood"))
        }
        if !fits {
            throw .composer(source.diagnostic(at: scalar.mark, "\(Self.shortTag(tag)) does not fit the value \"\(text.truncatedForMessage)\""))
        }
    }
}
