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
            // Most scalars are words: only these first characters can start a null, a bool or a number.
            if let first = text.utf8.first, !mayBeNonString(first) { return .string(text) }
            // Keys and words such as `then` or `not`: a letter starts no number, only the null and
            // boolean words (at most 5 letters), so the number parsers are not tried.
            if let first = text.utf8.first, first >= UInt8(ascii: "A") {
                if text.utf8.count > 5 { return .string(text) }
                if isNull(text) { return .null }
                return bool(text).map(Value.bool) ?? .string(text)
            }
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

        static func mayBeNonString(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "~"),
                 UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
                true
            default:
                false
            }
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

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
            var digits = Substring(text).utf8
            if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { digits = digits.dropFirst() }
            return !digits.isEmpty && digits.allSatisfy(isDigit)
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
            let bytes = Array(body.utf8)
            var index = 0
            func digits() -> Int {
                let start = index
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                return index - start
            }
            func at(_ characters: String) -> Bool { index < bytes.count && characters.utf8.contains(bytes[index]) }
            var mantissaDigits = digits()
            if at(".") {
                index += 1
                mantissaDigits += digits()
            }
            guard mantissaDigits > 0 else { return nil }
            if at("eE") {
                index += 1
                if at("-+") { index += 1 }
                guard digits() > 0 else { return nil }
            }
            guard index == bytes.count else { return nil }
            return Double(text)
        }
    }
}
