/// A parsed YAML document in flat arrays: nodes by number, each collection's children a range of
/// one array, each scalar's text a range of one byte buffer.
///
/// What the parser builds: one record per node instead of a tree of arrays and strings, so a
/// large rule file is a handful of allocations, is freed at once, and is read without reference
/// counting (`NodeRef`). `Node` trees are made from it (`node(_:)`) for callers that want values.
///
/// Anchors and aliases are resolved (an alias is the anchored node again) and merge keys (`<<`)
/// applied, as in `Node`. A document is changed only by `${VAR}` substitution (`replaceText`),
/// before it is read by more than one thread.
public final class Document: @unchecked Sendable {
    enum Kind: UInt8 {
        case scalar, sequence, mapping
    }

    struct Record {
        /// A scalar's text in `bytes`, or a collection's children in `children` (a mapping's
        /// alternate key, value).
        var start: Int32
        var count: Int32
        var line: Int32
        var column: Int32
        /// An index into `tags`; -1 when no tag was written.
        var tag: Int32
        var kind: Kind
        var style: Node.Scalar.Style
        var isFlow: Bool
        /// A scalar: its text has a `$`; a collection: some value below holds one.
        var holdsDollar: Bool

        var mark: Mark { Mark(line: Int(line), column: Int(column)) }
    }

    private(set) var records: [Record] = []
    private(set) var children: [Int32] = []
    private(set) var bytes: [UInt8] = []
    private(set) var tags: [String] = []
    /// The document's root node; nil when the text holds no document (empty, or comments only).
    public internal(set) var rootID: Int32?

    init() {}

    // MARK: - Building (the composer)

    func reserve(records: Int, bytes: Int) {
        self.records.reserveCapacity(records)
        self.children.reserveCapacity(records)
        self.bytes.reserveCapacity(bytes)
    }

    func addScalar(_ text: String, style: Node.Scalar.Style, tag: String?, mark: Mark, holdsDollar: Bool) -> Int32 {
        let start = Int32(clamping: bytes.count)
        bytes.append(contentsOf: text.utf8)
        return add(Record(start: start, count: Int32(clamping: bytes.count) - start, line: Int32(clamping: mark.line), column: Int32(clamping: mark.column),
                          tag: tagIndex(tag), kind: .scalar, style: style, isFlow: false, holdsDollar: holdsDollar))
    }

    func addCollection(isMapping: Bool, children items: ArraySlice<Int32>, mark: Mark, isFlow: Bool, holdsDollar: Bool) -> Int32 {
        let start = Int32(clamping: children.count)
        children.append(contentsOf: items)
        return add(Record(start: start, count: Int32(clamping: items.count), line: Int32(clamping: mark.line), column: Int32(clamping: mark.column),
                          tag: -1, kind: isMapping ? .mapping : .sequence, style: .plain, isFlow: isFlow, holdsDollar: holdsDollar))
    }

    private func add(_ record: Record) -> Int32 {
        records.append(record)
        return Int32(clamping: records.count - 1)
    }

    private func tagIndex(_ tag: String?) -> Int32 {
        guard let tag else { return -1 }
        if let known = tags.firstIndex(of: tag) { return Int32(clamping: known) }
        tags.append(tag)
        return Int32(clamping: tags.count - 1)
    }

    /// Whether the counts still fit the records' 32-bit fields (a document is at most 8 MiB and
    /// 2,000,000 nodes by default; larger limits could pass them).
    var fits: Bool { bytes.count < Int32.max && children.count < Int32.max && records.count < Int32.max }

    // MARK: - Reading

    /// The root, read without reference counting: valid while this document is alive (keep it
    /// in a variable, or use `withRoot`).
    public var root: NodeRef? { rootID.map { NodeRef(Unmanaged.passUnretained(self), $0) } }

    /// Runs `body` with the root, keeping the document alive while it runs.
    public func withRoot<Result>(_ body: (NodeRef?) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(root) }
    }

    /// The whole document as a `Node` tree.
    public var node: Node? { rootID.map(node) }

    func node(_ id: Int32) -> Node {
        let record = records[Int(id)]
        switch record.kind {
        case .scalar:
            return .scalar(scalar(record))
        case .sequence:
            var sequence = Node.Sequence(childIDs(record).map(node), mark: record.mark, isFlow: record.isFlow)
            sequence.valuesHoldDollar = record.holdsDollar
            return .sequence(sequence)
        case .mapping:
            let ids = childIDs(record)
            var pairs: [Node.Mapping.Pair] = []
            pairs.reserveCapacity(ids.count / 2)
            for offset in Swift.stride(from: ids.startIndex, to: ids.endIndex - 1, by: 2) {
                pairs.append(.init(key: node(ids[offset]), value: node(ids[offset + 1])))
            }
            var mapping = Node.Mapping(pairs, mark: record.mark, isFlow: record.isFlow)
            mapping.valuesHoldDollar = record.holdsDollar
            return .mapping(mapping)
        }
    }

    func childIDs(_ record: Record) -> ArraySlice<Int32> {
        children[Int(record.start)..<Int(record.start) + Int(record.count)]
    }

    func text(_ record: Record) -> String {
        String(decoding: textBytes(record), as: UTF8.self)
    }

    func textBytes(_ record: Record) -> ArraySlice<UInt8> {
        bytes[Int(record.start)..<Int(record.start) + Int(record.count)]
    }

    func tag(_ record: Record) -> String? {
        record.tag < 0 ? nil : tags[Int(record.tag)]
    }

    func scalar(_ record: Record) -> Node.Scalar {
        Node.Scalar(text(record), style: record.style, tag: tag(record), mark: record.mark)
    }

    /// The scalar's value without building it when its bytes settle it: most scalars of a rule
    /// file are words, and a plain word whose first byte starts no null, boolean or number is a
    /// string.
    func value(_ record: Record) -> Node.Scalar.Value {
        if record.tag < 0 {
            let text = textBytes(record)
            if record.style != .plain { return .string(String(decoding: text, as: UTF8.self)) }
            if let first = text.first, !Node.Scalar.Value.mayBeNonString(first) { return .string(String(decoding: text, as: UTF8.self)) }
        }
        return scalar(record).value
    }

    // MARK: - Substitution

    /// Replaces a scalar's text (`${VAR}` substitution); its style, tag and mark stay.
    public func replaceText(of node: NodeRef, with text: String) {
        let id = Int(node.id)
        guard records.indices.contains(id), records[id].kind == .scalar else { return }
        let start = Int32(clamping: bytes.count)
        bytes.append(contentsOf: text.utf8)
        records[id].start = start
        records[id].count = Int32(clamping: bytes.count) - start
    }
}
