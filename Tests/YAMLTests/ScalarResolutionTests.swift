import Testing
@testable import YAML

struct ScalarResolutionTests {
    typealias Value = Node.Scalar.Value

    private func value(_ text: String) throws -> Value {
        let node = try #require(try YAMLParser().parse("key: \(text)\n"))
        return try #require(node.mapping?["key"]?.scalar).value
    }

    @Test(arguments: ["~", "null", "Null", "NULL", ""])
    func nullForms(_ text: String) throws {
        #expect(try value(text) == .null)
    }

    @Test(arguments: [("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false), ("FALSE", false)])
    func booleans(_ text: String, _ expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test(arguments: ["yes", "no", "on", "off", "y", "n", "Yes", "OFF", "tRUE"])
    func yaml11BooleansAreStrings(_ text: String) throws {
        #expect(try value(text) == .string(text))
    }

    @Test(arguments: [("0", 0), ("42", 42), ("-17", -17), ("+5", 5), ("007", 7), ("0o17", 15), ("0x1F", 31), ("0xff", 255)])
    func integers(_ text: String, _ expected: Int) throws {
        #expect(try value(text) == .int(expected))
    }

    @Test func integerTooLargeIsStillANumber() throws {
        #expect(try value("99999999999999999999999") == .float(Double("99999999999999999999999")!))
    }

    @Test(arguments: [("1.5", 1.5), ("-0.25", -0.25), (".5", 0.5), ("1e3", 1000), ("2.5E-1", 0.25), ("+1.", 1), ("1.0e+2", 100)])
    func floats(_ text: String, _ expected: Double) throws {
        #expect(try value(text) == .float(expected))
    }

    @Test(arguments: [(".inf", Double.infinity), ("-.Inf", -Double.infinity), ("+.INF", Double.infinity)])
    func infinities(_ text: String, _ expected: Double) throws {
        #expect(try value(text) == .float(expected))
    }

    @Test(arguments: [".nan", ".NaN", ".NAN"])
    func notANumber(_ text: String) throws {
        guard case .float(let number) = try value(text) else {
            Issue.record("\(text) is not a float")
            return
        }
        #expect(number.isNaN)
    }

    @Test(arguments: ["0x", "0o8", "1_000", "1.2.3", "e3", "-x", ".", "0b101", "12:30", "+.nan", "1e", "inf", "nan"])
    func numberLookalikesAreStrings(_ text: String) throws {
        #expect(try value(text) == .string(text))
    }

    @Test(arguments: ["'true'", "\"42\"", "'null'", "\"\"", "'~'", "\"1.5\""])
    func quotedScalarsAreAlwaysStrings(_ text: String) throws {
        guard case .string = try value(text) else {
            Issue.record("\(text) resolved to \(try value(text))")
            return
        }
    }

    @Test func blockScalarsAreStrings() throws {
        let node = try #require(try YAMLParser().parse("a: |\n  42\nb: >\n  true\n"))
        #expect(node.mapping?["a"]?.scalar?.value == .string("42\n"))
        #expect(node.mapping?["b"]?.scalar?.value == .string("true\n"))
        #expect(node.mapping?["a"]?.scalar?.style == .literal)
        #expect(node.mapping?["b"]?.scalar?.style == .folded)
    }

    @Test func explicitCoreTagsDecide() throws {
        #expect(try value("!!str 42") == .string("42"))
        #expect(try value("!!int \"42\"") == .int(42))
        #expect(try value("!!float 1") == .float(1))
        #expect(try value("!!bool \"true\"") == .bool(true))
        #expect(try value("!!null ''") == .null)
        #expect(try value("! 42") == .string("42"))
    }

    @Test func explicitTagThatDoesNotFitIsAnError() {
        #expect {
            _ = try YAMLParser().parse("key: !!int abc\n")
        } throws: { error in
            (error as? YAMLError)?.message == "!!int does not fit the value \"abc\""
        }
    }

    @Test func unsupportedTagIsAnError() {
        #expect {
            _ = try YAMLParser().parse("key: !!binary aGVsbG8=\n")
        } throws: { error in
            (error as? YAMLError)?.message == "unsupported tag !!binary; only !!str, !!int, !!float, !!bool and !!null are understood"
                && (error as? YAMLError)?.mark == Mark(line: 1, column: 6)
        }
    }
}
