import CYaml
#if canImport(Glibc)
import Glibc
#endif

/// Parses YAML text into a `Document` (or a `Node` tree made from it) with libyaml's event API.
///
/// This is the only file that sees libyaml. The parser and each event are owned by Swift objects
/// that free them, and the input bytes stay alive for the whole parse.
public struct YAMLParser: Sendable {
    public struct Limits: Sendable, Hashable {
        /// Bytes of input accepted at all.
        public var maxBytes: Int
        /// Nesting of sequences and mappings.
        public var maxDepth: Int
        /// Nodes in the tree once aliases are expanded (stops "billion laughs" documents).
        public var maxNodes: Int

        public init(maxBytes: Int = 8 << 20, maxDepth: Int = 256, maxNodes: Int = 2_000_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
        }

        public static let `default` = Limits()
    }

    public var limits: Limits
    /// Inputs of at least this many bytes are parsed with libyaml on a thread of its own
    /// (`.max`: never, for a caller that already keeps every core busy; tests set 0 too).
    public var pipelineFrom = YAMLParser.pipelineBytes

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// The document in `text`, or nil when the text holds no document (empty, or comments only).
    public func parse(_ text: String, file: String = "<input>") throws(YAMLError) -> Node? {
        try document(SourceText(name: file, text: text)).node
    }

    /// The document of a source text (whose lines its diagnostics quote).
    public func parse(_ source: SourceText) throws(YAMLError) -> Node? {
        try document(source).node
    }

    /// The document in `bytes` (UTF-8, or UTF-16 with a byte order mark).
    public func parse(bytes: [UInt8], file: String = "<input>") throws(YAMLError) -> Node? {
        let source = SourceText(name: file, text: String(decoding: bytes, as: UTF8.self))
        return try bytes.withUnsafeBufferPointer { bytes in Result { () throws(YAMLError) in try document(bytes: bytes, source: source) } }.get().node
    }

    /// The document of a source text in flat arrays, to be read in place (`Document.withRoot`).
    /// libyaml reads the text's own bytes: nothing is copied for it.
    public func document(_ source: SourceText) throws(YAMLError) -> Document {
        var text = source.text
        return try text.withUTF8 { bytes in Result { () throws(YAMLError) in try document(bytes: bytes, source: source) } }.get()
    }

    /// `bytes` stay valid for the whole call (a producer thread reads them until it has stopped).
    private func document(bytes: UnsafeBufferPointer<UInt8>, source: SourceText) throws(YAMLError) -> Document {
        guard bytes.count <= limits.maxBytes else {
            throw .limit(source.diagnostic(at: nil, "file is \(bytes.count) bytes, over the limit of \(limits.maxBytes) bytes"))
        }
        var composer = Composer(source: source, limits: limits, bytes: bytes.count)
        if bytes.count >= pipelineFrom {
            try parsePipelined(bytes: bytes, source: source, composer: &composer)
            return Document(composer.storage)
        }
        let stream = EventStream(bytes: bytes)
        var text: [UInt8] = []
        while true {
            let event: Event
            text.removeAll(keepingCapacity: true)
            do {
                event = try stream.next(text: &text)
            } catch let failure {
                throw failure.error(source: source, bytes: bytes)
            }
            if try composer.consume(event, text: text) { break }
        }
        return Document(composer.storage)
    }

    /// From this size on, libyaml runs on a thread of its own beside the composer (EventPipe);
    /// below it, starting a thread costs more than it saves.
    static let pipelineBytes = 16 << 10

    private func parsePipelined(bytes: UnsafeBufferPointer<UInt8>, source: SourceText, composer: inout Composer) throws(YAMLError) {
        let pipe = EventPipe()
        pipe.startProducing(bytes)
        defer { pipe.stopAndWait() }
        while true {
            let batch: EventPipe.Batch
            do {
                batch = try pipe.take()
            } catch let failure {
                throw failure.error(source: source, bytes: bytes)
            }
            if batch.events.isEmpty { return }
            for event in batch.events where try composer.consume(event, text: batch.text) {
                return
            }
        }
    }
}

// MARK: - Events

/// One libyaml event copied into Swift values, so that nothing C outlives `EventStream.next()`.
enum Event: Sendable {
    case streamStart, streamEnd
    case documentStart(Mark), documentEnd
    case alias(anchor: String, mark: Mark)
    case scalar(ScalarEvent)
    case sequenceStart(anchor: String?, tag: String?, mark: Mark, isFlow: Bool)
    case sequenceEnd
    case mappingStart(anchor: String?, tag: String?, mark: Mark, isFlow: Bool)
    case mappingEnd
}

/// A scalar event: its text is `count` bytes from `start` of the buffer the stream appended it
/// to (`EventStream.next(text:)`), so that no string is made for it.
struct ScalarEvent: Sendable {
    let start: Int
    let count: Int
    let style: Node.Scalar.Style
    let tag: String?
    let anchor: String?
    let mark: Mark
    /// The text has a `$` (where `${VAR}` substitution has work).
    let holdsDollar: Bool
}

/// A libyaml parser over bytes its owner keeps valid while the stream is used (libyaml reads
/// them in place: a large file is not copied for it).
final class EventStream {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private var finished = false

    /// An address for an empty input (libyaml reads none of it, but wants one).
    private let empty = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    init(bytes: UnsafeBufferPointer<UInt8>) {
        parser = .allocate(capacity: 1)
        yaml_parser_initialize(parser)
        empty.initialize(to: 0)
        yaml_parser_set_input_string(parser, bytes.baseAddress ?? UnsafePointer(empty), bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        empty.deallocate()
    }

    struct Failure: Error {
        let type: yaml_error_type_t
        let problem: String
        let context: String?
        let problemMark: Mark
        let contextMark: Mark?
        let problemOffset: Int

        func error(source: SourceText, bytes: UnsafeBufferPointer<UInt8>) -> YAMLError {
            switch type {
            case YAML_READER_ERROR:
                // libyaml reports reader errors by byte offset only.
                let mark = Mark(ofByte: problemOffset, in: bytes)
                return .reader(source.diagnostic(at: mark, problem))
            case YAML_SCANNER_ERROR:
                if let plain = PlainYAMLMistakes.explain(problem: problem, context: context, problemMark: problemMark, contextMark: contextMark, source: source) {
                    return .scanner(source.diagnostic(at: plain.mark, plain.message, notes: plain.notes))
                }
                return .scanner(source.diagnostic(at: problemMark, message))
            case YAML_MEMORY_ERROR:
                return .limit(source.diagnostic(at: problemMark, "out of memory while parsing"))
            default:
                if let plain = PlainYAMLMistakes.explain(problem: problem, context: context, problemMark: problemMark, contextMark: contextMark, source: source) {
                    return .parser(source.diagnostic(at: plain.mark, plain.message, notes: plain.notes))
                }
                return .parser(source.diagnostic(at: problemMark, message))
            }
        }

        private var message: String {
            guard let context, let contextMark else { return problem }
            return "\(problem) (\(context) at \(contextMark))"
        }

    }

    /// Parses the rest of the input and drops every event without reading it; how many there were,
    /// or nil when libyaml reports an error.
    func dropAll() -> Int? {
        var count = 0
        var raw = yaml_event_t()
        while !finished, yaml_parser_parse(parser, &raw) == 1 {
            if raw.type == YAML_STREAM_END_EVENT || raw.type == YAML_NO_EVENT { finished = true }
            yaml_event_delete(&raw)
            count += 1
        }
        return finished ? count : nil
    }

    /// The next event; a scalar's text is appended to `text`.
    func next(text: inout [UInt8]) throws(Failure) -> Event {
        if finished { return .streamEnd }
        var raw = yaml_event_t()
        guard yaml_parser_parse(parser, &raw) == 1 else {
            let state = parser.pointee
            throw Failure(
                type: state.error,
                problem: state.problem.map { String(cString: $0) } ?? "invalid YAML",
                context: state.context.map { String(cString: $0) },
                problemMark: Mark(state.problem_mark),
                contextMark: state.context == nil ? nil : Mark(state.context_mark),
                problemOffset: state.problem_offset
            )
        }
        defer { yaml_event_delete(&raw) }
        let mark = Mark(raw.start_mark)
        switch raw.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT:
            finished = true
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: string(raw.data.alias.anchor) ?? "", mark: mark)
        case YAML_SCALAR_EVENT:
            let data = raw.data.scalar
            let start = text.count
            var holdsDollar = false
            if let value = data.value {
                text.append(contentsOf: UnsafeBufferPointer(start: value, count: data.length))
                holdsDollar = memchr(value, Int32(UInt8(ascii: "$")), data.length) != nil
            }
            let style: Node.Scalar.Style =
                switch data.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: .literal
                case YAML_FOLDED_SCALAR_STYLE: .folded
                default: .plain
                }
            return .scalar(ScalarEvent(start: start, count: text.count - start, style: style, tag: string(data.tag), anchor: string(data.anchor),
                                       mark: mark, holdsDollar: holdsDollar))
        case YAML_SEQUENCE_START_EVENT:
            let data = raw.data.sequence_start
            return .sequenceStart(
                anchor: string(data.anchor), tag: string(data.tag), mark: mark,
                isFlow: data.style == YAML_FLOW_SEQUENCE_STYLE)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let data = raw.data.mapping_start
            return .mappingStart(
                anchor: string(data.anchor), tag: string(data.tag), mark: mark,
                isFlow: data.style == YAML_FLOW_MAPPING_STYLE)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            // YAML_NO_EVENT: libyaml has nothing more to say.
            finished = true
            return .streamEnd
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

extension Mark {
    init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}

// MARK: - The floor

extension YAMLParser {
    /// libyaml's own work on `bytes` and nothing else: parses them to events and drops each one,
    /// copying nothing into Swift. The benchmarks measure loading against this floor. Returns the
    /// number of events, or nil when libyaml reports an error.
    public static func countEvents(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { EventStream(bytes: $0).dropAll() }
    }
}
