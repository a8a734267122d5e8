#if canImport(Glibc)
import Glibc
#endif

/// A parsed YAML document in flat arrays: nodes by number, each collection's children a range of
/// one array, each scalar's text a range of one byte buffer.
///
/// What the parser builds: one record per node instead of a tree of arrays and strings, so a
/// large rule file is a handful of allocations, is freed at once, and is read without reference
/// counting (`NodeRef`). `Node` trees are made from it (`node`) for callers that want values.
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

    /// The arrays, built by the composer (a struct: appending to it needs no run-time access
    /// checks) and then kept unchanged.
    struct Storage {
        private(set) var records: [Record] = []
        private(set) var children: [Int32] = []
        private(set) var bytes: [UInt8] = []
        private(set) var tags: [String] = []
        var rootID: Int32?

        mutating func reserve(records: Int, bytes: Int) {
            self.records.reserveCapacity(records)
            self.children.reserveCapacity(records)
            self.bytes.reserveCapacity(bytes)
        }

        mutating func addScalar(_ text: ArraySlice<UInt8>, style: Node.Scalar.Style, tag: String?, mark: Mark, holdsDollar: Bool) -> Int32 {
            let start = Int32(clamping: bytes.count)
            bytes.append(contentsOf: text)
            return add(Record(start: start, count: Int32(clamping: bytes.count) - start, line: Int32(clamping: mark.line), column: Int32(clamping: mark.column),
                              tag: tagIndex(tag), kind: .scalar, style: style, isFlow: false, holdsDollar: holdsDollar))
        }

        mutating func addCollection(isMapping: Bool, children items: ArraySlice<Int32>, mark: Mark, isFlow: Bool, holdsDollar: Bool) -> Int32 {
            let start = Int32(clamping: children.count)
            children.append(contentsOf: items)
            return add(Record(start: start, count: Int32(clamping: items.count), line: Int32(clamping: mark.line), column: Int32(clamping: mark.column),
                              tag: -1, kind: isMapping ? .mapping : .sequence, style: .plain, isFlow: isFlow, holdsDollar: holdsDollar))
        }

        /// Another node with the same record (a scalar alias).
        mutating func copy(_ id: Int32) -> Int32 { add(records[Int(id)]) }

        private mutating func add(_ record: Record) -> Int32 {
            records.append(record)
            return Int32(clamping: records.count - 1)
        }

        private mutating func tagIndex(_ tag: String?) -> Int32 {
            guard let tag else { return -1 }
            if let known = tags.firstIndex(of: tag) { return Int32(clamping: known) }
            tags.append(tag)
            return Int32(clamping: tags.count - 1)
        }

        /// Whether the counts still fit the records' 32-bit fields (a document is at most 8 MiB
        /// and 2,000,000 nodes by default; larger limits could pass them).
        var fits: Bool { bytes.count < Int32.max && children.count < Int32.max && records.count < Int32.max }

        func childIDs(_ record: Record) -> ArraySlice<Int32> {
            children[Int(record.start)..<Int(record.start) + Int(record.count)]
        }

        func textBytes(_ record: Record) -> ArraySlice<UInt8> {
            bytes[Int(record.start)..<Int(record.start) + Int(record.count)]
        }

        func text(_ record: Record) -> String {
            String(decoding: textBytes(record), as: UTF8.self)
        }

        func tag(_ record: Record) -> String? {
            record.tag < 0 ? nil : tags[Int(record.tag)]
        }

        /// Whether a scalar is a string by its bytes alone (no string made): quoted or block, or
        /// plain with a first byte that starts no null, boolean or number; nil when that does
        /// not settle it (a tag, or a plain scalar such as `true` or `12`).
        func isString(_ record: Record) -> Bool? {
            guard record.tag < 0 else { return nil }
            if record.style != .plain { return true }
            guard let first = textBytes(record).first else { return nil }
            return Node.Scalar.Value.mayBeNonString(first) ? nil : true
        }

        /// The scalar's value, without resolving its text when its bytes settle it (most
        /// scalars of a rule file are words).
        func value(_ record: Record) -> Node.Scalar.Value {
            if isString(record) == true { return .string(text(record)) }
            return Node.Scalar(text(record), style: record.style, tag: tag(record), mark: record.mark).value
        }
    }

    let storage: Storage
    /// Scalars whose text `${VAR}` substitution replaced (only scalars with a `$` are looked up).
    private var replacements: [Int32: String] = [:]

    init(_ storage: Storage) {
        self.storage = storage
    }

    /// The number of the document's root node; nil when the text holds no document (empty, or
    /// comments only).
    var rootID: Int32? { storage.rootID }

    // MARK: - Reading

    /// The root, read without reference counting: it and every node read from it are valid only
    /// while this document is alive, so the caller holds the document (in a variable or a
    /// property) for as long as it uses them; `try parser.document(text).unretainedRoot` reads
    /// freed memory. `withRoot` keeps the document alive for a closure.
    public var unretainedRoot: NodeRef? { rootID.map { NodeRef(Unmanaged.passUnretained(self), $0) } }

    /// Runs `body` with the root, keeping the document alive while it runs.
    public func withRoot<Result>(_ body: (NodeRef?) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(unretainedRoot) }
    }

    /// The whole document as a `Node` tree.
    public var node: Node? { rootID.map(node) }

    func record(_ id: Int32) -> Record { storage.records[Int(id)] }

    func node(_ id: Int32) -> Node {
        let record = record(id)
        switch record.kind {
        case .scalar:
            return .scalar(scalar(id, record))
        case .sequence:
            var sequence = Node.Sequence(storage.childIDs(record).map(node), mark: record.mark, isFlow: record.isFlow)
            sequence.valuesHoldDollar = record.holdsDollar
            return .sequence(sequence)
        case .mapping:
            let ids = storage.childIDs(record)
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

    func child(_ offset: Int, of record: Record) -> Int32 {
        storage.children[Int(record.start) + offset]
    }

    func text(_ id: Int32, _ record: Record) -> String {
        if record.holdsDollar, let replaced = replacements[id] { return replaced }
        return storage.text(record)
    }

    /// Whether the scalar's text is `text`, byte for byte.
    func hasText(_ id: Int32, _ record: Record, _ text: String) -> Bool {
        if record.holdsDollar, let replaced = replacements[id] { return replaced.utf8.elementsEqual(text.utf8) }
        let count = Int(record.count)
        guard count == text.utf8.count else { return false }
        guard count > 0 else { return true }
        // One memcmp (the keys a decoder asks for are literals: contiguous UTF-8).
        let same = storage.bytes.withUnsafeBufferPointer { all in
            text.utf8.withContiguousStorageIfAvailable { wanted in
                guard let base = all.baseAddress, let other = wanted.baseAddress else { return false }
                return memcmp(base + Int(record.start), other, count) == 0
            }
        }
        return same ?? storage.textBytes(record).elementsEqual(text.utf8)
    }

    func scalar(_ id: Int32, _ record: Record) -> Node.Scalar {
        Node.Scalar(text(id, record), style: record.style, tag: storage.tag(record), mark: record.mark)
    }

    /// The scalar's value, without resolving its text when its bytes settle it: most scalars of
    /// a rule file are words.
    func value(_ id: Int32, _ record: Record) -> Node.Scalar.Value {
        if record.holdsDollar, replacements[id] != nil { return scalar(id, record).value }
        return storage.value(record)
    }

    // MARK: - Substitution

    /// Replaces a scalar's text (`${VAR}` substitution: only a scalar with a `$`); its style,
    /// tag and mark stay.
    public func replaceText(of node: NodeRef, with text: String) {
        guard node.id >= 0, Int(node.id) < storage.records.count, record(node.id).kind == .scalar, record(node.id).holdsDollar else { return }
        replacements[node.id] = text
    }

    /// Whether `replaceText` has replaced the scalar's text.
    public func isReplaced(_ node: NodeRef) -> Bool { replacements[node.id] != nil }
}
