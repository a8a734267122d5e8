import Foundation
import Testing

/// `wadial-rules sandbox` in one process, `wadial-rules api` in others, as an operator would.
struct SandboxCommandTests {
    static let world = """
        sessions: [{ id: ops }]
        groups:
          - jid: 120363000000000001@g.us
            subject: Support
            size: 10
            requests:
              - { jid: 15551234567@s.whatsapp.net }
              - { jid: 123456789012345@lid }
        """

    /// A scratch folder and `wadial-rules sandbox` serving `world` (session `ops`, key `ops-key`)
    /// in another process, for the length of `body`, which gets the folder, the environment that
    /// points commands at the sandbox, and the sandbox's process.
    private func withSandbox(_ name: String, world: String, _ body: (URL, [String: String], Process) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let worldFile = folder.appendingPathComponent("world.yaml")
        try world.write(to: worldFile, atomically: true, encoding: .utf8)
        let (sandbox, url) = try CommandLineTests.startSandbox(world: worldFile, key: "ops-key")
        defer { if sandbox.isRunning { sandbox.terminate() } }
        try body(folder, ["WADIAL_BASE_URL": url, "WADIAL_API_KEY": "ops-key", "WADIAL_SESSION_ID": "ops"], sandbox)
    }

    @Test func planShowsKindsRightsApprovalAndSelectorsThatMatchNothing() throws {
        try withSandbox("kinds", world: """
            sessions: [{ id: ops }]
            groups:
              - { jid: 120363000000000001@g.us, subject: Support, size: 10, requests: [{ jid: 15551234567@s.whatsapp.net }] }
              - { jid: 120363000000000002@g.us, subject: Not ours, size: 10, admin: false, requests: [{ jid: 15551234568@s.whatsapp.net }] }
              - { jid: 120363000000000003@g.us, subject: Open door, size: 10, settings: { membership_approval: false } }
              - { jid: 120363000000000008@g.us, subject: Parents, kind: community }
              - { jid: 120363000000000009@g.us, subject: Parents, kind: announcements, community: 120363000000000008@g.us }
            """) { folder, environment, _ in
            let rulesFile = folder.appendingPathComponent("rules.yaml")
            try """
                version: 1
                groups:
                  notices: { kind: announcements }
                  typo: { subject: "^Suport" }
                rules:
                  - { id: approve-us, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
                  - { id: vet-typo, groups: [typo], trigger: { membership_requests: {} }, then: [approve_requests] }
                policies:
                  - { id: notices-locked, groups: [notices], ensure: { locked: true } }
                """.write(to: rulesFile, atomically: true, encoding: .utf8)
            let statePath = folder.appendingPathComponent("state.sqlite").path
            let plan = try CommandLineTests.run(["plan", "--rules", rulesFile.path, "--state", statePath], environment: environment)
            #expect(plan.status == 0, "\(plan.output)")
            #expect(plan.output.hasPrefix("warning: rule \"vet-typo\" (\(rulesFile.path):"), "\(plan.output)")
            #expect(plan.output.contains("its groups match no group of the account: \"typo\""), "\(plan.output)")
            #expect(plan.output.contains("notices-locked  120363000000000009@g.us (announcements)  set_locked"), "\(plan.output)")
            #expect(plan.output.contains("approve-us      120363000000000001@g.us                  approve_requests"), "\(plan.output)")
            #expect(!plan.output.contains("15551234568"), "\(plan.output)")
            #expect(plan.output.contains("""
                not an admin (join requests not read, changes skipped; reported once by run):
                GROUP                    SUBJECT   RULES AND POLICIES
                120363000000000002@g.us  Not ours  approve-us
                """), "\(plan.output)")
            #expect(plan.output.contains("""
                membership approval off (no join request can exist, none read):
                GROUP                    SUBJECT
                120363000000000003@g.us  Open door
                """), "\(plan.output)")

            // run --once does it; audit shows the kind of the announcement group's row.
            let run = try CommandLineTests.run(["run", "--once", "--rules", rulesFile.path, "--state", statePath], environment: environment)
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("the account is not an admin of Not ours"), "\(run.output)")
            let audit = try CommandLineTests.run(["audit", "--state", statePath], environment: environment)
            #expect(audit.output.contains("notices-locked  120363000000000009@g.us (announcements)  set_locked"), "\(audit.output)")
        }
    }

    @Test func sandboxServesAndApiCallsIt() throws {
        try withSandbox("sandbox", world: Self.world) { folder, environment, sandbox in
            let url = environment["WADIAL_BASE_URL"] ?? ""

            // plan: what would be done, as a table, with no write and no state file.
            let rulesFile = folder.appendingPathComponent("rules.yaml")
            try """
                version: 1
                rules:
                  - { id: approve-us, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
                """.write(to: rulesFile, atomically: true, encoding: .utf8)
            let statePath = folder.appendingPathComponent("state.sqlite").path
            let plan = try CommandLineTests.run(["plan", "--rules", rulesFile.path, "--state", statePath], environment: environment)
            #expect(plan.status == 0, "\(plan.output)")
            #expect(plan.output.hasPrefix("RULE        GROUP                    ACTION            TARGETS                                    WHY\n"), "\(plan.output)")
            #expect(plan.output.contains("approve-us  120363000000000001@g.us  approve_requests  +15551234567 (15551234567@s.whatsapp.net)  1 pending request matched\n"), "\(plan.output)")
            #expect(plan.output.contains("\n1 action would be taken\n"), "\(plan.output)")
            #expect(plan.output.hasSuffix("schedule runs in the next 7d (UTC):\n  none\n"), "\(plan.output)")
            #expect(!FileManager.default.fileExists(atPath: statePath))

            // Before any run: the coming schedule runs over the horizon, in the rules' timezone with the
            // weekday, and each threshold's phase.
            let scheduled = folder.appendingPathComponent("scheduled.yaml")
            try """
                version: 1
                settings: { timezone: Europe/Berlin }
                rules:
                  - { id: weekly, groups: "*", trigger: { schedule: { cron: "0 9 * * MON" } }, then: [rotate_invite] }
                  - { id: full, groups: "*", trigger: { member_count: { above: 900 } }, then: [{ set_announcement: true }] }
                """.write(to: scheduled, atomically: true, encoding: .utf8)
            let ahead = try CommandLineTests.run(["plan", "--rules", scheduled.path, "--state", statePath, "--at", "2026-12-01T12:00:00Z", "--horizon", "14d"],
                                                 environment: environment)
            #expect(ahead.status == 0, "\(ahead.output)")
            #expect(ahead.output.contains("schedule runs in the next 14d (Europe/Berlin):"), "\(ahead.output)")
            #expect(ahead.output.contains("Mon 2026-12-07 09:00:00 Europe/Berlin  weekly"), "\(ahead.output)")
            #expect(ahead.output.contains("Mon 2026-12-14 09:00:00 Europe/Berlin  weekly"), "\(ahead.output)")
            #expect(!ahead.output.contains("2026-12-21"), "past the horizon: \(ahead.output)")
            #expect(ahead.output.contains("not seen yet (the first tick sets the baseline)"), "\(ahead.output)")
            // A local time is read in the rules' timezone: 13:00 in Berlin is 12:00Z.
            let local = try CommandLineTests.run(["plan", "--rules", scheduled.path, "--state", statePath, "--at", "2026-12-01T13:00", "--horizon", "14d"],
                                                 environment: environment)
            #expect(local.status == 0 && local.output == ahead.output, "\(local.output)")
            let badAt = try CommandLineTests.run(["plan", "--rules", scheduled.path, "--at", "yesterday"], environment: environment)
            #expect(badAt.status == 64 && badAt.output.contains("--at takes an instant"), "\(badAt.output)")
            let bad = try CommandLineTests.run(["plan", "--rules", scheduled.path, "--horizon", "soon"], environment: environment)
            #expect(bad.status == 64 && bad.output.contains("--horizon takes a duration") && bad.output.contains("Usage: wadial-rules plan"), "\(bad.output)")

            let list = try CommandLineTests.run(["api", "requests", "list", "120363000000000001@g.us"], environment: environment)
            #expect(list.status == 0)
            let requests = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
            #expect(requests.map { $0["jid"] as? String } == ["15551234567@s.whatsapp.net", "123456789012345@lid"])
            #expect(requests.map { $0["phoneNumber"] as? String } == ["+15551234567", nil])

            let approve = try CommandLineTests.run(["api", "requests", "approve", "120363000000000001@g.us", "15551234567@s.whatsapp.net"], environment: environment)
            #expect(approve.status == 0)
            // Again: the answer says "no pending request" for it, and the command exits 1 saying so.
            let again = try CommandLineTests.run(["api", "requests", "approve", "120363000000000001@g.us", "15551234567@s.whatsapp.net"], environment: environment)
            #expect(again.status == 1)
            #expect(again.output.hasSuffix("error: 1 of 1 item not done: 15551234567@s.whatsapp.net 404 no pending request\n"), "\(again.output)")
            let group = try CommandLineTests.run(["api", "groups", "get", "120363000000000001@g.us"], environment: environment)
            let metadata = try #require(try JSONSerialization.jsonObject(with: Data(group.output.utf8)) as? [String: Any])
            #expect(metadata["size"] as? Int == 11)

            // api settings: one option per setting of the table, each value set and read back.
            let settings = try CommandLineTests.run(["api", "settings", "set", "120363000000000001@g.us", "--announcement", "true", "--locked", "true",
                                                     "--member-add-mode", "all_member_add", "--member-link-mode", "all_member_link",
                                                     "--history-sharing", "admin_share", "--ephemeral", "90d"], environment: environment)
            #expect(settings.status == 0, "\(settings.output)")
            let changed = try #require(try JSONSerialization.jsonObject(with: Data(settings.output.utf8)) as? [String: Any])
            #expect(changed["announcement"] as? Bool == true && changed["locked"] as? Bool == true)
            #expect(changed["member_add_mode"] as? String == "all_member_add" && changed["member_link_mode"] as? String == "all_member_link")
            #expect(changed["history_sharing"] as? String == "admin_share" && changed["ephemeral"] as? String == "90d")
            let help = try CommandLineTests.run(["api", "settings", "--help"])
            for option in ["--announcement", "--locked", "--member-add-mode", "--member-link-mode", "--history-sharing", "--ephemeral"] {
                #expect(help.output.contains(option), "api settings --help lacks \(option)")
            }
            let wrong = try CommandLineTests.run(["api", "settings", "set", "120363000000000001@g.us", "--ephemeral", "5d"], environment: environment)
            #expect(wrong.status == 64)
            #expect(wrong.output.hasPrefix("Error: --ephemeral takes one of off, 24h, 7d, 90d\n"))

            let missing = try CommandLineTests.run(["api", "groups", "get", "120363000000000077@g.us"], environment: environment)
            #expect(missing.status == 1)
            #expect(missing.output == "error: WADial API: HTTP 404 NOT_FOUND: group 120363000000000077@g.us not found\n")

            let unauthorised = try CommandLineTests.run(["api", "session", "status"], environment: environment.merging(["WADIAL_API_KEY": "nope"]) { $1 })
            #expect(unauthorised.status == 1)
            #expect(!unauthorised.output.contains("nope"))

            let noKey = try CommandLineTests.run(["api", "groups", "list"], environment: ["WADIAL_BASE_URL": url])
            #expect(noKey.status == 2)
            #expect(noKey.output == "error: no API key: set WADIAL_API_KEY, or WADIAL_API_KEY_FILE to a file holding it\n")

            // SIGTERM: graceful shutdown, exit 0.
            sandbox.terminate()
            sandbox.waitUntilExit(within: 30, "the sandbox after SIGTERM")
            #expect(sandbox.terminationStatus == 0)
            #expect(sandbox.terminationReason == .exit)
        }
    }
}
