extension Node.Scalar {
    /// A scalar's meaning under the YAML 1.2 core schema.
    ///
    /// Only plain scalars without a tag are resolved by their text; quoted and block scalars are
    /// always strings, and an explicit core tag (`!!str`, `!!int`, ...) decides the type.
    public enum Value: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)

        static let strTag = "tag:yaml.org,2002:str"
        static let intTag = "tag:yaml.org,2002:int"
        static let floatTag = "tag:yaml.org,2002:float"
        static let boolTag = "tag:yaml.org,2002:bool"
        static let nullTag = "tag:yaml.org,2002:null"

        static func resolve(_ scalar: Node.Scalar) -> Value {
            let text = scalar.string
            switch scalar.tag {
            case strTag?, "!"?:
                return .string(text)
            case intTag?:
                return int(text).map(Value.int) ?? float(text).map(Value.float) ?? .string(text)
            case floatTag?:
                return float(text).map(Value.float) ?? int(text).map { .float(Double($0)) } ?? .string(text)
            case boolTag?:
                return bool(text).map(Value.bool) ?? .string(text)
            case nullTag?:
                return .null
            case .some:
                return .string(text)
            case nil:
                break
            }
            guard scalar.style == .plain else { return .string(text) }
            if isNull(text) { return .null }
            if let value = bool(text) { return .bool(value) }
            if let value = int(text) { return .int(value) }
            if isIntSyntax(text) {
                // Too large for Int: still a number, never silently a string.
                return .float(Double(text) ?? .infinity)
            }
            if let value = float(text) { return .float(value) }
            return .string(text)
        }

        static func isNull(_ text: String) -> Bool {
            text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }

        static func bool(_ text: String) -> Bool? {
            switch text {
            case "true", "True", "TRUE": true
            case "false", "False", "FALSE": false
            default: nil
            }
        }

        /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
        static func int(_ text: String) -> Int? {
            let utf8 = Array(text.utf8)
            if utf8.count > 2, utf8[0] == UInt8(ascii: "0") {
                let body = String(decoding: utf8[2...], as: UTF8.self)
                switch utf8[1] {
                case UInt8(ascii: "o"): return body.allSatisfy({ ("0"..."7").contains($0) }) ? Int(body, radix: 8) : nil
                case UInt8(ascii: "x"): return body.allSatisfy(\.isHexDigit) ? Int(body, radix: 16) : nil
                default: break
                }
            }
            guard isIntSyntax(text) else { return nil }
            return Int(text)
        }

        static func isIntSyntax(_ text: String) -> Bool {
            var digits = Substring(text)
            if let first = digits.first, first == "-" || first == "+" { digits = digits.dropFirst() }
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }

        /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?\.inf`, `.nan` (three spellings each).
        static func float(_ text: String) -> Double? {
            var body = Substring(text)
            var sign = 1.0
            if let first = body.first, first == "-" || first == "+" {
                sign = first == "-" ? -1 : 1
                body = body.dropFirst()
            }
            switch body {
            case ".inf", ".Inf", ".INF": return sign * .infinity
            case ".nan", ".NaN", ".NAN": return body.count == text.count ? .nan : nil
            default: break
            }
            var index = body.startIndex
            func digits() -> Int {
                var count = 0
                while index < body.endIndex, body[index].isASCII, body[index].isNumber {
                    index = body.index(after: index)
                    count += 1
                }
                return count
            }
            var mantissaDigits = digits()
            if index < body.endIndex, body[index] == "." {
                index = body.index(after: index)
                mantissaDigits += digits()
            }
            guard mantissaDigits > 0 else { return nil }
            if index < body.endIndex, body[index] == "e" || body[index] == "E" {
                index = body.index(after: index)
                if index < body.endIndex, body[index] == "-" || body[index] == "+" { index = body.index(after: index) }
                guard digits() > 0 else { return nil }
            }
            guard index == body.endIndex else { return nil }
            return Double(text)
        }
    }
}
