/// Builds the `Document` from events, without recursion, so deep input cannot exhaust the stack.
///
/// Finished nodes (their numbers) wait on one flat stack (`values`) until their collection ends;
/// an open collection is only where its children start. A mapping's children alternate key,
/// value. Nothing is rebuilt per child: a child is one append, a collection one slice at its end.
struct Composer {
    private struct Anchored {
        let node: Int32
        let size: Int
    }

    private struct Open {
        let isMapping: Bool
        let anchor: String?
        let mark: Mark
        let isFlow: Bool
        /// Where its children start in `values`, and its keys' prints in `keyPrints`.
        let start: Int
        let keyStart: Int
        var size = 1
        var hasMerge = false
        /// Some value below holds a `$` (substitution walks only such collections).
        var valuesHoldDollar = false
        /// The keys by identity once the mapping has more than `smallMapping` of them.
        var keyIndex: [KeyIdentity: Mark]?
    }

    /// A key's identity for finding duplicates: keys are equal when their values are.
    enum KeyIdentity: Hashable {
        case scalar(Node.Scalar.Value)
        case other(Node)

        init(_ key: Int32, in storage: Document.Storage) {
            let record = storage.records[Int(key)]
            if record.kind == .scalar {
                self = .scalar(storage.value(record))
            } else {
                self = .other(Document(storage).node(key))
            }
        }
    }

    /// Mappings up to this many keys are searched for a duplicate in place; larger ones get an index.
    static let smallMapping = 16

    private let source: SourceText
    private let limits: YAMLParser.Limits
    private var open: [Open] = []
    private var values: [Int32] = []
    /// One print per key of each open mapping, parallel to its keys in `values`: keys with
    /// different prints are different, so a duplicate is looked for by comparing integers.
    private var keyPrints: [UInt64] = []
    private var anchors: [String: Anchored] = [:]
    private var documents = 0
    private var nodeCount = 0
    private(set) var storage = Document.Storage()

    init(source: SourceText, limits: YAMLParser.Limits, bytes: Int = 0) {
        self.source = source
        self.limits = limits
        // At most about one node per 6 bytes of a rule file (about one per 10 is usual), and
        // at most half its bytes in scalars: capacity never touched costs no memory (its pages
        // are never faulted in), while growing copies.
        if bytes > 0 { storage.reserve(records: bytes / 6, bytes: bytes / 2) }
    }

    static let coreTagPrefix = "tag:yaml.org,2002:"

    /// Takes one event; true at the end of the stream.
    mutating func consume(_ event: Event, text: [UInt8]) throws(YAMLError) -> Bool {
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
            // A scalar alias is a node of its own (its text where the anchor's is): a key that
            // repeats a value stays as written when `${VAR}` substitution replaces the value.
            let node = storage.records[Int(target.node)].kind == .scalar ? storage.copy(target.node) : target.node
            try add(node, size: target.size, holdsDollar: storage.records[Int(target.node)].holdsDollar)
        case .scalar(let scalar):
            let bytes = text[scalar.start..<scalar.start + scalar.count]
            if let tag = scalar.tag {
                try checkScalarTag(tag, Node.Scalar(String(decoding: bytes, as: UTF8.self), style: scalar.style, tag: tag, mark: scalar.mark))
            }
            try count(1, at: scalar.mark)
            let node = storage.addScalar(bytes, style: scalar.style, tag: scalar.tag, mark: scalar.mark, holdsDollar: scalar.holdsDollar)
            if let anchor = scalar.anchor { anchors[anchor] = Anchored(node: node, size: 1) }
            try add(node, size: 1, holdsDollar: scalar.holdsDollar)
        case .sequenceStart(let anchor, let tag, let mark, let isFlow):
            try checkCollectionTag(tag, expected: "seq", at: mark)
            try push(Open(isMapping: false, anchor: anchor, mark: mark, isFlow: isFlow, start: values.count, keyStart: keyPrints.count))
        case .mappingStart(let anchor, let tag, let mark, let isFlow):
            try checkCollectionTag(tag, expected: "map", at: mark)
            try push(Open(isMapping: true, anchor: anchor, mark: mark, isFlow: isFlow, start: values.count, keyStart: keyPrints.count))
        case .sequenceEnd, .mappingEnd:
            guard let frame = open.popLast() else { return false }
            let node = try finish(frame)
            if let anchor = frame.anchor { anchors[anchor] = Anchored(node: node, size: frame.size) }
            try add(node, size: frame.size, holdsDollar: frame.valuesHoldDollar)
        }
        return false
    }

    private mutating func push(_ frame: Open) throws(YAMLError) {
        guard open.count < limits.maxDepth else {
            throw .limit(source.diagnostic(at: frame.mark, "nesting is deeper than \(limits.maxDepth) levels"))
        }
        try count(1, at: frame.mark)
        open.append(frame)
    }

    private mutating func count(_ nodes: Int, at mark: Mark) throws(YAMLError) {
        nodeCount += nodes
        if nodeCount > limits.maxNodes {
            throw .limit(source.diagnostic(at: mark, "the document expands to more than \(limits.maxNodes) nodes (aliases included)"))
        }
    }

    private mutating func add(_ node: Int32, size: Int, holdsDollar: Bool) throws(YAMLError) {
        guard storage.fits else {
            throw .limit(source.diagnostic(at: storage.records[Int(node)].mark, "the document is too large to hold"))
        }
        guard let last = open.indices.last else {
            storage.rootID = node
            return
        }
        open[last].size += size
        let start = open[last].start
        // In a mapping, an even count of children before this one makes it a key.
        if open[last].isMapping, (values.count - start) % 2 == 0 {
            if isMergeKey(node) {
                open[last].hasMerge = true
                keyPrints.append(Self.mergePrint)
            } else if let first = duplicate(of: node, in: last) {
                throw .composer(source.diagnostic(
                    at: storage.records[Int(node)].mark, "duplicate key \(describe(node)); it was first set at line \(first.line)"))
            }
        } else if holdsDollar {
            open[last].valuesHoldDollar = true
        }
        values.append(node)
    }

    private static let mergePrint: UInt64 = 1 << 63 | 1
    private static let nonStringPrint: UInt64 = 1 << 63 | 2
    private static let collectionPrint: UInt64 = 1 << 63 | 3
    /// A key with a byte past ASCII: equal strings may differ in bytes (`é` composed or not,
    /// the Kelvin sign and `K`), so it is compared in full with every other string key.
    private static let unicodePrint: UInt64 = 1 << 63 | 4

    /// An ASCII string key's print is a hash of its text (top bit clear); every other key shares
    /// one print per kind and is compared in full (`unicodePrint` with every string key).
    private func print(of key: Int32) -> UInt64 {
        let record = storage.records[Int(key)]
        guard record.kind == .scalar else { return Self.collectionPrint }
        if storage.isString(record) == nil {
            guard case .string = storage.value(record) else { return Self.nonStringPrint }
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in storage.textBytes(record) {
            if byte >= 0x80 { return Self.unicodePrint }
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash & ~(1 << 63) | (1 << 62)  // never 0: that is "not worked out yet"
    }

    /// The print of a mapping's first key is worked out only when a second key comes: most
    /// mappings of a rule file (`- set_locked: true`) have one.
    private static let notWorkedOut: UInt64 = 0

    private static func isStringPrint(_ print: UInt64) -> Bool { print & (1 << 63) == 0 || print == unicodePrint }

    /// The mark of an earlier key of the open mapping `frame` equal to `key`, if any; records
    /// the key's print either way.
    private mutating func duplicate(of key: Int32, in frame: Int) -> Mark? {
        let start = open[frame].start
        let keyStart = open[frame].keyStart
        if var index = open[frame].keyIndex {
            keyPrints.append(Self.notWorkedOut)
            let identity = KeyIdentity(key, in: storage)
            if let first = index[identity] { return first }
            open[frame].keyIndex = nil  // keep the dictionary uniquely referenced while inserting
            index[identity] = storage.records[Int(key)].mark
            open[frame].keyIndex = index
            return nil
        }
        guard keyPrints.count > keyStart else {
            keyPrints.append(Self.notWorkedOut)
            return nil
        }
        let print = print(of: key)
        var identity: KeyIdentity?
        for slot in keyStart..<keyPrints.count {
            let other = values[start + 2 * (slot - keyStart)]
            if keyPrints[slot] == Self.notWorkedOut { keyPrints[slot] = self.print(of: other) }
            let earlier = keyPrints[slot]
            let mayBeEqual = earlier == print
                || (print == Self.unicodePrint && Self.isStringPrint(earlier)) || (earlier == Self.unicodePrint && Self.isStringPrint(print))
            guard mayBeEqual else { continue }
            identity = identity ?? KeyIdentity(key, in: storage)
            if KeyIdentity(other, in: storage) == identity { return storage.records[Int(other)].mark }
        }
        keyPrints.append(print)
        if keyPrints.count - keyStart > Self.smallMapping {
            var index: [KeyIdentity: Mark] = [:]
            for offset in Swift.stride(from: start, to: values.count, by: 2) where !isMergeKey(values[offset]) {
                let identity = KeyIdentity(values[offset], in: storage)
                if index[identity] == nil { index[identity] = storage.records[Int(values[offset])].mark }
            }
            index[KeyIdentity(key, in: storage)] = storage.records[Int(key)].mark
            open[frame].keyIndex = index
        }
        return nil
    }

    private mutating func finish(_ frame: Open) throws(YAMLError) -> Int32 {
        defer {
            values.removeSubrange(frame.start...)
            keyPrints.removeSubrange(frame.keyStart...)
        }
        guard frame.isMapping, frame.hasMerge else {
            return storage.addCollection(isMapping: frame.isMapping, children: values[frame.start...], mark: frame.mark, isFlow: frame.isFlow,
                                          holdsDollar: frame.valuesHoldDollar)
        }
        let pairs = try merged(values[frame.start...])
        return storage.addCollection(isMapping: true, children: pairs[...], mark: frame.mark, isFlow: frame.isFlow, holdsDollar: true)
    }

    /// The pairs (key, value alternating) with each merge key (`<<`) replaced by the pairs it
    /// brings: explicit keys win over merged ones; among merged sources, the earlier wins.
    private func merged(_ entries: ArraySlice<Int32>) throws(YAMLError) -> [Int32] {
        var pairs: [Int32] = []
        var seen: Set<KeyIdentity> = []
        for offset in Swift.stride(from: entries.startIndex, to: entries.endIndex - 1, by: 2) where !isMergeKey(entries[offset]) {
            seen.insert(KeyIdentity(entries[offset], in: storage))
        }
        for offset in Swift.stride(from: entries.startIndex, to: entries.endIndex - 1, by: 2) {
            let (key, value) = (entries[offset], entries[offset + 1])
            guard isMergeKey(key) else {
                pairs += [key, value]
                continue
            }
            for source in try mergeSources(value) {
                let children = storage.childIDs(storage.records[Int(source)])
                for index in Swift.stride(from: children.startIndex, to: children.endIndex - 1, by: 2) {
                    let identity = KeyIdentity(children[index], in: storage)
                    guard !seen.contains(identity) else { continue }
                    seen.insert(identity)
                    pairs += [children[index], children[index + 1]]
                }
            }
        }
        return pairs
    }

    /// The mappings a merge key brings (their numbers).
    private func mergeSources(_ value: Int32) throws(YAMLError) -> [Int32] {
        let record = storage.records[Int(value)]
        switch record.kind {
        case .mapping:
            return [value]
        case .sequence:
            var sources: [Int32] = []
            for item in storage.childIDs(record) {
                let itemRecord = storage.records[Int(item)]
                guard itemRecord.kind == .mapping else {
                    throw .composer(source.diagnostic(at: itemRecord.mark, "a merge key (<<) takes mappings; found \(Document(storage).node(item).kindDescription)"))
                }
                sources.append(item)
            }
            return sources
        case .scalar:
            throw .composer(source.diagnostic(
                at: record.mark, "a merge key (<<) takes a mapping or a list of mappings; found \(Document(storage).node(value).kindDescription)"))
        }
    }

    private func isMergeKey(_ key: Int32) -> Bool {
        let record = storage.records[Int(key)]
        guard record.kind == .scalar, record.count == 2, storage.textBytes(record).elementsEqual("<<".utf8) else { return false }
        let tag = storage.tag(record)
        return (record.style == .plain && tag == nil) || tag == Self.coreTagPrefix + "merge"
    }

    private func describe(_ key: Int32) -> String {
        let record = storage.records[Int(key)]
        if record.kind == .scalar { return "\"\(storage.text(record).truncatedForMessage)\"" }
        return Document(storage).node(key).kindDescription
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
