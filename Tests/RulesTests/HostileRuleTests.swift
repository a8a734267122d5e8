import Foundation
import Testing
import WadialModels
@testable import Rules

/// Rule files an adversary (or a tired admin) would write: each is a clear error naming where,
/// none traps, none takes unbounded work, and the key never gets into a rule.
struct HostileRuleTests {
    func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try RuleLoader(environment: environment).load([.init(name: "t.yaml", text: text)])
            return []
        } catch {
            return error.problems.map { "\($0.mark.map(\.description) ?? "-") \($0.path): \($0.message)" }
        }
    }

    @Test(arguments: ["9223372036854775809s", "106751991167300d2562047788015215h", "99999999999999999999999999999999d", "36501d", "1d876001h"])
    func aDurationPastOneHundredYearsIsAnErrorNotATrap(_ text: String) {
        #expect(RuleDuration.seconds(text) == nil)
        #expect(RuleDuration.read(text) == .failure(.tooLong))
        #expect(problems("version: 1\nsettings: { poll_interval: \(text) }\n")
            == ["2:28 settings.poll_interval: \"\(text.count <= 60 ? text : String(text.prefix(57)) + "...")\" is longer than the longest duration, 100 years (36500d)"])
    }

    @Test func theLongestDurationIsAccepted() {
        #expect(RuleDuration.seconds("36500d") == RuleDuration.maximumSeconds)
        #expect(RuleDuration.read("10x") == .failure(.syntax))
        #expect(RuleDuration.read("1h1h") == .failure(.syntax))
    }

    @Test func theKeysVariableIsNeverSubstituted() {
        let text = """
            version: 1
            rules:
              - id: leak
                groups: "*"
                trigger: { membership_requests: {} }
                then:
                  - webhook: { url: "https://example.org/h?k=${WADIAL_API_KEY}" }
                  - log: "${LOOKS_HARMLESS}"
            """
        let found = problems(text, environment: ["WADIAL_API_KEY": "sk-live-123", "LOOKS_HARMLESS": "sk-live-123"])
        #expect(found.count == 2)
        #expect(found[0].contains("${WADIAL_API_KEY} is the API key's variable and is never substituted into rules"))
        #expect(found[1].contains("${LOOKS_HARMLESS} holds the API key, which is never substituted into rules"))
        // Without a key in the environment the name is still refused.
        #expect(problems(text, environment: ["LOOKS_HARMLESS": "x"]).count == 1)
    }

    @Test func aVariableHoldingTheKeyFromItsFileIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)")
        try "sk-from-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let found = problems("version: 1\nsessions: [\"${S}\"]\n", environment: ["WADIAL_API_KEY_FILE": file.path, "S": "sk-from-file"])
        #expect(found.count == 1 && found[0].contains("${S} holds the API key"))
    }

    @Test(arguments: ["{{{group.subject}}}", "{{& group.subject}}"])
    func anUnescapedVariableIsRefusedInAWebhook(_ variable: String) {
        let found = problems("""
            version: 1
            rules:
              - id: hook
                groups: "*"
                trigger: { membership_requests: {} }
                then:
                  - webhook: { url: "https://example.org/h", body: '{"s": "\(variable)"}' }
                  - log: "\(variable) is fine in a log"
            """)
        #expect(found.count == 1)
        #expect(found.first?.contains("rules[0].then[0].webhook.body: {{{group.subject}}} asks for the value unescaped; in a webhook's body each {{…}} is JSON string content") == true)
    }

    /// "Did you mean" is worked out for words of a typo's length only: a 4 MB value costs nothing.
    @Test func aHugeUnknownValueGetsNoSuggestionAndNoQuadraticWork() {
        let huge = String(repeating: "x", count: 4 << 20)
        #expect(Suggestion.closest(to: huge, among: ["enforce", "audit"]) == nil)
        #expect(Suggestion.closest(to: "enforec", among: ["enforce", "audit"]) == "enforce")
        #expect(Suggestion.editDistance(Array("pirority"), Array("priority")) == 1)
        #expect(Suggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
        let found = problems("version: 1\nrules:\n  - { id: a, groups: \"*\", trigger: { membership_requests: {} }, then: [approve_requests], mode: \(huge) }\n")
        #expect(found.count == 1 && !found[0].contains("did you mean"))
    }

    @Test func aHugeTimeZoneIsRefusedBeforeTheDatabaseIsAsked() {
        let found = problems("version: 1\nsettings: { timezone: \(String(repeating: "Europe/", count: 5_000))Berlin }\n")
        #expect(found.count == 1 && found[0].contains("IANA names are at most 64 characters"))
    }

    /// A pattern that backtracks exponentially does not match a hostile subject (fail closed),
    /// and gives up within its time limit.
    @Test func aCatastrophicPatternGivesUpAndDoesNotMatch() {
        let began = ContinuousClock.now
        #expect(!SubjectPattern.matches("^(a+)+$", String(repeating: "a", count: 40) + "b"))
        #expect(ContinuousClock.now - began < .seconds(2))
        #expect(SubjectPattern.matches("^Region", "Region North"))
        #expect(SubjectPattern.matches("North$", String(repeating: "x", count: 5_000) + "North") == false)
    }

    @Test(arguments: ["http://{{group.subject}}:8080/x", "https://hooks.example:{{group.size}}/x", "http://127.0.0.1:70000/x"])
    func aWebhookURLWhoseHostOrPortAValueCouldChooseIsRefused(_ url: String) {
        let found = problems("""
            version: 1
            rules:
              - { id: hook, groups: "*", trigger: { membership_requests: {} }, then: [{ webhook: { url: "\(url)" } }] }
            """)
        #expect(found.count == 1, "\(found)")
        #expect(found.first.map { $0.contains("written out, not templates") || $0.contains("outside 1 to 65535") } == true, "\(found)")
    }

    @Test func aVariableThatContainsTheKeyIsRefused() {
        let found = problems("version: 1\nsessions: [\"${HOOK}\"]\n", environment: ["WADIAL_API_KEY": "sk-live-123", "HOOK": "http://h/k/sk-live-123"])
        #expect(found.count == 1 && found[0].contains("${HOOK} holds the API key"))
    }
}
