public import Foundation

/// A JSON document as a value, for decoding API responses whose field names vary.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The deepest nesting of arrays and objects `parse` reads; deeper documents are refused
    /// before decoding (a decoder recursing 100,000 levels would exhaust the stack).
    public static let maximumDepth = 256

    /// Why a document is not JSON we read.
    public enum ParseFailure: Error, Sendable, Hashable, CustomStringConvertible {
        case notUTF8
        case tooDeep(limit: Int)
        case notJSON

        public var description: String {
            switch self {
            case .notUTF8: "the body is not UTF-8"
            case .tooDeep(let limit): "the body nests deeper than \(limit) levels"
            case .notJSON: "the body is not JSON"
            }
        }
    }

    /// Parses `data`; nil when it is not JSON.
    public static func parse(_ data: Data) -> JSONValue? {
        try? parseChecked(data).get()
    }

    /// Parses `data`, or says why it is not JSON: invalid UTF-8 and excessive nesting are found
    /// before the decoder runs.
    public static func parseChecked(_ data: Data) -> Result<JSONValue, ParseFailure> {
        guard String(validating: data, as: UTF8.self) != nil else { return .failure(.notUTF8) }
        guard depth(of: data) <= maximumDepth else { return .failure(.tooDeep(limit: maximumDepth)) }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return .failure(.notJSON) }
        return .success(value)
    }

    /// The deepest nesting of `[` and `{` outside strings (stops counting past the limit).
    static func depth(of data: Data) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > maximumDepth { return deepest }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    public func encoded(pretty: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The first of `keys` that is present and not null.
    public func first(_ keys: String...) -> JSONValue? {
        for key in keys {
            if let value = self[key], value != .null { return value }
        }
        return nil
    }

    /// Text, or a whole number written as digits; nil for anything else (a number too large to
    /// be a whole number of 64 bits, like `1e300`, is not text).
    public var string: String? {
        switch self {
        case .string(let value): value
        case .number(let value): Int64(exactly: value).map(String.init)
        default: nil
        }
    }

    public var int: Int? {
        switch self {
        case .number(let value): Int(exactly: value)
        case .string(let value): Int(value)
        default: nil
        }
    }

    /// A finite number, or text that is one; nil for anything else (`"inf"`, `"nan"`).
    public var double: Double? {
        switch self {
        case .number(let value): value.isFinite ? value : nil
        case .string(let value): Double(value).flatMap { $0.isFinite ? $0 : nil }
        default: nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let value): value
        case .number(let value): value != 0
        case .string("true"): true
        case .string("false"): false
        default: nil
        }
    }

    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}
