import Foundation
import Testing

struct RuleTestCommandTests {
    @Test func theExampleRuleTestsPass() throws {
        let outcome = try CommandLineTests.run(["test", "rules/tests"])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.hasSuffix("4 passed, 0 failed\n"))
    }

    @Test func aWrongExpectationFailsWithADiff() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-ruletest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            version: 1
            rules:
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
            """.write(to: folder.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        let test = folder.appendingPathComponent("wrong.test.yaml")
        try """
            rule_files: [r.yaml]
            start: 2026-03-02T08:00:00Z
            world:
              groups:
                - jid: 120363000000000001@g.us
                  requests: [{ jid: 15551234567@s.whatsapp.net }, { jid: 123456789012345@lid }]
            steps:
              - expect:
                  - { rule: vet, action: approve_requests, group: 120363000000000001@g.us,
                      participants: [15551234567@s.whatsapp.net, 123456789012345@lid] }
            """.write(to: test, atomically: true, encoding: .utf8)
        let outcome = try CommandLineTests.run(["test", test.path])
        #expect(outcome.status == 1)
        #expect(outcome.output == """
            FAIL \(test.path)
              step 1 (at +0s, Mon 2026-03-02 08:00 UTC): actions differ
              - expected { rule: vet, action: approve_requests, group: 120363000000000001@g.us, participants: [123456789012345@lid, 15551234567@s.whatsapp.net] }
                  123456789012345@lid: would not act: number_prefix: number unknown (@lid without phone) vs prefixes +1 -> does not hold
              + actual   { rule: vet, action: approve_requests, group: 120363000000000001@g.us, participants: [15551234567@s.whatsapp.net] }
              1 of 1 step failed
            0 passed, 1 failed

            """)
    }

    @Test func everyFailingStepIsReportedWithWhyAnExpectedDecisionDidNotHappen() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-ruletest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            version: 1
            rules:
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
            policies:
              - { id: watch, groups: "*", mode: audit, ensure: { announcement: true } }
            """.write(to: folder.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        let test = folder.appendingPathComponent("two.test.yaml")
        try """
            rule_files: [r.yaml]
            start: 2026-03-02T08:00:00Z
            world:
              groups:
                - jid: 120363000000000001@g.us
                  requests: [{ jid: 447700900123@s.whatsapp.net }]
            steps:
              - expect:
                  - { rule: vet, action: approve_requests, group: 120363000000000001@g.us, participants: [447700900123@s.whatsapp.net] }
                  - { rule: watch, action: set_announcement, group: 120363000000000001@g.us }
              - advance: 1m
                add_requests: [{ group: 120363000000000001@g.us, jid: 15551234567@s.whatsapp.net }]
                expect: []
            """.write(to: test, atomically: true, encoding: .utf8)
        let outcome = try CommandLineTests.run(["test", test.path])
        #expect(outcome.status == 1)
        // Both steps, the first with the condition that did not hold (audit-mode drift was
        // expected, and happened), the second with the action nobody expected.
        #expect(outcome.output.contains("  step 1 (at +0s, Mon 2026-03-02 08:00 UTC): actions differ\n  - expected { rule: vet, action: approve_requests"), "\(outcome.output)")
        #expect(outcome.output.contains("      447700900123@s.whatsapp.net: "), "\(outcome.output)")
        #expect(outcome.output.contains("+44"), "the reason names the number: \(outcome.output)")
        #expect(!outcome.output.contains("set_announcement"), "the expected drift was not reported: \(outcome.output)")
        #expect(outcome.output.contains("  step 2 (at +1m, Mon 2026-03-02 08:01 UTC): actions differ\n  + actual   { rule: vet, action: approve_requests"), "\(outcome.output)")
        #expect(outcome.output.contains("  2 of 2 steps failed"), "\(outcome.output)")
    }

    @Test func aRuleFileGivenAsATestIsNamedAsSuch() throws {
        let outcome = try CommandLineTests.run(["test", "rules"])
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("rules/community.yaml:1:1: error: this is a rule file, not a rule test"), "\(outcome.output)")
        #expect(!outcome.output.contains("unknown key"), "\(outcome.output)")
    }

    @Test func errorsInTestFilesHaveMarks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-ruletest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let test = folder.appendingPathComponent("bad.test.yaml")
        try "rule_files: [r.yaml]\nstart: yesterday\nsteps:\n  - advance: soon\n".write(to: test, atomically: true, encoding: .utf8)
        let outcome = try CommandLineTests.run(["test", test.path])
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("\(test.path):2:8: error: start must be an ISO 8601 time like 2026-03-02T08:00:00Z"))
        #expect(outcome.output.contains("\(test.path):4:14: error: advance takes a duration like 10m or 72h"))
    }
}
