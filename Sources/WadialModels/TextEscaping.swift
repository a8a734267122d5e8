/// Text from outside (API answers, rule values, subjects) escaped for where it goes.
public enum TextEscaping {
    /// For a text log line or a terminal: control characters (C0, DEL, C1, the line and paragraph
    /// separators, and the bidirectional overrides that can reorder a line) become visible escapes
    /// (`\n`, `\t`, `\u001b`), and a backslash becomes `\\`, so that one value can never forge a
    /// line or move the cursor. Everything else is kept.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += unicodeEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The content of a JSON string (without the quotes): `"` and `\` escaped, control
    /// characters as `\n` or `\u00XX`, the line separators as `\u2028`/`\u2029`.
    public static func jsonString(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029: out += unicodeEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Text content or an attribute value of an HTML page: `& < > " '` as entities, and control
    /// characters (as `visible` counts them) as visible escapes, never passed to the page raw.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += unicodeEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One URL component: everything but unreserved characters (`A-Z a-z 0-9 - . _ ~`)
    /// percent-encoded as UTF-8, so that `&`, `=`, `#`, `/`, `?` and spaces stay inside the value.
    public static func urlComponent(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// `text` cut to at most `limit` characters, with `…` where it was cut: for quoting values
    /// from outside in messages.
    public static func truncated(_ text: String, limit: Int = 120, ellipsis: String = "…") -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(limit - ellipsis.count, 0))) + ellipsis
    }

    /// A value from outside as a message quotes it: cut to `limit` characters, then escaped.
    public static func quoted(_ text: String, limit: Int = 120) -> String {
        visible(truncated(text, limit: limit))
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool { scalar == "\\" || isControl(scalar) }

    static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
