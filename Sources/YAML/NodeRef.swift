/// A node of a `Document`, read in place: what `Node` tells, without a tree of values.
///
/// A reference does not keep its document alive and costs no reference counting to copy, so
/// the decoders of a large file (on several threads at once) pass thousands of them around for
/// free. It must not outlive the document it came from: read a document through `withRoot`, or
/// while a variable holds it, and keep values (strings, numbers), not references.
public struct NodeRef: @unchecked Sendable {
    let document: Unmanaged<Document>
    let id: Int32

    init(_ document: Unmanaged<Document>, _ id: Int32) {
        self.document = document
        self.id = id
    }

    private var record: Document.Record {
        document._withUnsafeGuaranteedRef { $0.record(id) }
    }

    /// Where the node starts in the source.
    public var mark: Mark { record.mark }

    /// What `Node` says of this node: its kind with what it holds.
    public enum View {
        case scalar(Node.Scalar)
        case sequence(SequenceRef)
        case mapping(MappingRef)
    }

    public var view: View {
        let record = record
        switch record.kind {
        case .scalar: return .scalar(document._withUnsafeGuaranteedRef { $0.scalar(id, record) })
        case .sequence: return .sequence(SequenceRef(node: self, record: record))
        case .mapping: return .mapping(MappingRef(node: self, record: record))
        }
    }

    public var scalar: Node.Scalar? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return document._withUnsafeGuaranteedRef { $0.scalar(id, record) }
    }

    /// A scalar's value under the YAML 1.2 core schema (nil for a collection).
    public var value: Node.Scalar.Value? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return document._withUnsafeGuaranteedRef { $0.value(id, record) }
    }

    /// A scalar's text as written (nil for a collection).
    public var text: String? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return document._withUnsafeGuaranteedRef { $0.text(id, record) }
    }

    /// Whether this is a scalar whose text is `text`, byte for byte (no string is made).
    public func hasText(_ text: String) -> Bool {
        let record = record
        guard record.kind == .scalar else { return false }
        return document._withUnsafeGuaranteedRef { $0.hasText(id, record, text) }
    }

    /// A scalar whose text has a `$`, or a collection with such a value below.
    public var holdsDollar: Bool { record.holdsDollar }

    public var sequence: SequenceRef? {
        let record = record
        return record.kind == .sequence ? SequenceRef(node: self, record: record) : nil
    }

    public var mapping: MappingRef? {
        let record = record
        return record.kind == .mapping ? MappingRef(node: self, record: record) : nil
    }

    /// The node and everything below it as a `Node` tree.
    public var node: Node { document._withUnsafeGuaranteedRef { $0.node(id) } }

    /// A short name of the node's kind for messages: "a mapping", "a list", "the string \"x\"".
    public var kindDescription: String {
        switch record.kind {
        case .scalar: scalar?.kindDescription ?? "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    fileprivate func child(_ offset: Int, of record: Document.Record) -> NodeRef {
        NodeRef(document, document._withUnsafeGuaranteedRef { $0.child(offset, of: record) })
    }
}

/// A sequence of a `Document`, read in place.
public struct SequenceRef: @unchecked Sendable {
    let node: NodeRef
    fileprivate let record: Document.Record

    public var mark: Mark { record.mark }
    public var items: Items { Items(sequence: self) }

    public struct Items: RandomAccessCollection, @unchecked Sendable {
        fileprivate let sequence: SequenceRef
        public var startIndex: Int { 0 }
        public var endIndex: Int { Int(sequence.record.count) }
        public subscript(position: Int) -> NodeRef {
            precondition(indices.contains(position), "index out of range")
            return sequence.node.child(position, of: sequence.record)
        }
    }
}

/// A mapping of a `Document`, read in place. Keys are unique (the parser rejects duplicates).
public struct MappingRef: @unchecked Sendable {
    let node: NodeRef
    fileprivate let record: Document.Record

    public var mark: Mark { record.mark }
    public var pairs: Pairs { Pairs(mapping: self) }

    public struct Pair: Sendable {
        public let key: NodeRef
        public let value: NodeRef
    }

    public struct Pairs: RandomAccessCollection, @unchecked Sendable {
        fileprivate let mapping: MappingRef
        public var startIndex: Int { 0 }
        public var endIndex: Int { Int(mapping.record.count) / 2 }
        public subscript(position: Int) -> Pair {
            precondition(indices.contains(position), "index out of range")
            return Pair(key: mapping.node.child(2 * position, of: mapping.record), value: mapping.node.child(2 * position + 1, of: mapping.record))
        }
    }

    /// The pair whose scalar key is `key`.
    public func pair(_ key: String) -> Pair? {
        pairs.first { $0.key.hasText(key) }
    }
}
