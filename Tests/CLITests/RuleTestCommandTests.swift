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
              step 1 (at +0s): actions differ
              - expected { rule: vet, action: approve_requests, group: 120363000000000001@g.us, participants: [123456789012345@lid, 15551234567@s.whatsapp.net] }
              + actual   { rule: vet, action: approve_requests, group: 120363000000000001@g.us, participants: [15551234567@s.whatsapp.net] }
            0 passed, 1 failed

            """)
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
