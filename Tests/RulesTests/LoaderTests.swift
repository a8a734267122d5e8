import Foundation
import Testing
import WadialModels
import YAML
@testable import Rules

struct LoaderTests {
    private func load(_ text: String, environment: [String: String] = Fixtures.environment) throws(RuleLoadError) -> RuleSet {
        try RuleLoader(environment: environment).load([.init(name: "t.yaml", text: text)])
    }

    private func problems(_ text: String, environment: [String: String] = Fixtures.environment) -> [String] {
        do {
            _ = try load(text, environment: environment)
            return []
        } catch {
            return error.problems.map { "\($0.mark.map(\.description) ?? "-") \($0.path): \($0.message)" }
        }
    }

    @Test func exampleRulesFolderIsValid() throws {
        let folder = Fixtures.repository.appendingPathComponent("rules").path
        let set = try RuleLoader(environment: [:]).load(paths: [folder])
        #expect(set.files.count >= 3)
        #expect(set.rules.contains { if case .membershipRequests = $0.trigger { true } else { false } })
        #expect(set.rules.contains { if case .memberCount = $0.trigger { true } else { false } })
        #expect(set.rules.contains { if case .schedule = $0.trigger { true } else { false } })
        #expect(set.rules.contains { $0.actions.contains(.rotateInvite) })
        #expect(!set.policies.isEmpty)
    }

    @Test func theRulesMarkdownExampleLoadsIntoTheModel() throws {
        let sources = try Fixtures.sources("rules-md-example.yaml", in: "valid")
        let set = try RuleLoader(environment: ["WADIAL_SESSION_ID": "s-1"]).load(sources)
        #expect(set.settings == Settings(pollInterval: .seconds(30), timezone: "Europe/Berlin", limits: .init(mutationsPerMinute: 20, requestsPerMinute: 120, maxActionsPerRun: 50)))
        #expect(set.sessions == ["s-1"])
        #expect(set.groupSelectors.map(\.name) == ["support", "regional"])
        #expect(set.selector(named: "support")?.jids == [GroupJID("120363000000000001@g.us")!])
        #expect(set.selector(named: "regional")?.subjectPattern == "^Region ")
        #expect(set.selector(named: "regional")?.exclude == [GroupJID("120363000000000009@g.us")!])
        #expect(set.rules.map(\.id) == ["approve-vetted", "reject-stale", "read-only-when-full", "reopen", "weekly-invite-rotation"])

        let approve = try #require(set.rule(id: "approve-vetted"))
        #expect(approve.groups == .some([.named("support"), .named("regional")]))
        #expect(approve.trigger == .membershipRequests(.init()))
        #expect(approve.condition == .numberPrefix([try NumberPrefix(parsing: "+1"), try NumberPrefix(parsing: "+44")]))
        #expect(approve.actions == [.approveRequests])
        #expect(approve.description == "Approve join requests from US/Canada and UK numbers.")

        let stale = try #require(set.rule(id: "reject-stale"))
        #expect(stale.groups == .all)
        #expect(stale.trigger == .membershipRequests(.init(pendingFor: .seconds(72 * 3600))))

        let full = try #require(set.rule(id: "read-only-when-full"))
        #expect(full.trigger == .memberCount(.init(threshold: .above(900), holdFor: .seconds(600))))
        guard case .memberCount(let trigger) = full.trigger else { return }
        #expect(trigger.rearm == 900)
        #expect(full.actions.first == .setting(SettingChange(.announcement, true)))
        guard case .updateProfile(nil, let description?) = full.actions.last else {
            Issue.record("update_profile not decoded: \(full.actions)")
            return
        }
        #expect(description.parts == [.text("Full: read-only. "), .variable("group.size"), .text(" members.")])

        let rotation = try #require(set.rule(id: "weekly-invite-rotation"))
        guard case .schedule(let schedule) = rotation.trigger, case .cron(let cron) = schedule.timing else {
            Issue.record("schedule not decoded")
            return
        }
        #expect(cron.source == "0 9 * * MON")
        #expect(schedule.timezone == "Europe/London")
        #expect(schedule.missed == .runOnce)
        guard case .webhook(let hook) = rotation.actions.last else {
            Issue.record("webhook not decoded")
            return
        }
        #expect(hook.url.source == "https://example.org/hooks/invite")
        #expect(hook.body?.variablesUsed == ["group.jid", "invite.link"])

        let policy = try #require(set.policies.first)
        #expect(policy.id == "baseline")
        #expect(policy.mode == .enforce)
        #expect(policy.ensure == GroupSettings([.announcement: false, .locked: true, .memberAddMode: "admin_add", .memberLinkMode: "admin_link", .ephemeral: .seconds(604800)]))
    }

    @Test func defaultsWhenSettingsAreAbsent() throws {
        let set = try load("""
            version: 1
            rules:
              - id: a
                groups: "*"
                trigger: { schedule: { every: 1h } }
                then: [rotate_invite]
            """)
        #expect(set.settings == Settings())
        #expect(set.sessions == nil)
        let rule = try #require(set.rules.first)
        #expect(rule.mode == .enforce && rule.priority == 0 && rule.enabled && rule.maxActionsPerRun == nil)
        #expect(rule.trigger == .schedule(.init(timing: .every(.seconds(3600)), timezone: "UTC", missed: .runOnce)))
    }

    @Test func settingsTimezoneIsTheDefaultAcrossFiles() throws {
        let set = try RuleLoader(environment: [:]).load([
            .init(name: "a.yaml", text: "version: 1\nrules:\n  - { id: a, groups: '*', trigger: { schedule: { cron: '@daily' } }, then: [rotate_invite], if: { time: { after: '09:00' } } }\n"),
            .init(name: "b.yaml", text: "version: 1\nsettings: { timezone: Asia/Tokyo }\n"),
        ])
        guard case .schedule(let schedule) = set.rules[0].trigger, case .time(let window) = set.rules[0].condition else {
            Issue.record("not decoded")
            return
        }
        #expect(schedule.timezone == "Asia/Tokyo")
        #expect(window.timezone == "Asia/Tokyo")
    }

    @Test func environmentSubstitution() throws {
        let set = try load("""
            version: 1
            sessions: ["${KNOWN}", "${NOPE:-fallback}", "pre-${KNOWN}-post", "$${KNOWN}", "cost $5"]
            rules:
              - id: a
                groups: "*"
                enabled: ${FLAG:-false}
                trigger: { schedule: { every: 1h } }
                then: [rotate_invite]
            """)
        #expect(set.sessions == ["known-value", "fallback", "pre-known-value-post", "${KNOWN}", "cost $5"])
        #expect(set.rules[0].enabled == false)
    }

    /// An alias is its anchored value again: substituted once, not read a second time for
    /// variables (a value that brings `${...}` is text, wherever the alias repeats it).
    @Test func anAliasedValueIsSubstitutedOnce() throws {
        let set = try load("""
            version: 1
            sessions: [&s "${X}", *s]
            rules:
              - { id: a, description: &d "${X}", groups: "*", trigger: { schedule: { every: 1h } }, then: [rotate_invite] }
              - { id: b, description: *d, groups: "*", trigger: { schedule: { every: 1h } }, then: [rotate_invite] }
            """, environment: ["X": "${UNSET} $5"])
        #expect(set.sessions == ["${UNSET} $5", "${UNSET} $5"])
        #expect(set.rules.map(\.description) == ["${UNSET} $5", "${UNSET} $5"])
    }

    /// Keys are never substituted, also when one repeats a value by an alias (or a value
    /// repeats a key): the key stays as written.
    @Test func aKeyThatAliasesASubstitutedValueStaysAsWritten() throws {
        let found = problems("""
            version: 1
            sessions: [&k "${K}"]
            *k : []
            """, environment: ["K": "rules"])
        #expect(found.count == 1)
        #expect(found.first?.contains("unknown key \"${K}\"") == true)
        let set = try load("""
            version: 1
            groups:
              &k "${K}": { kind: group }
            sessions: [*k]
            """, environment: ["K": "s-1"])
        #expect(set.sessions == ["s-1"])
        #expect(set.groupSelectors.map(\.name) == ["${K}"])
    }

    @Test func substitutionDoesNotInjectStructure() throws {
        let set = try load("version: 1\nsessions: [\"${X}\"]\n", environment: ["X": "a\", \"b"])
        #expect(set.sessions == ["a\", \"b"])
    }

    @Test func unquotedPrefixesUseTheWrittenText() throws {
        let set = try load("""
            version: 1
            rules:
              - id: a
                groups: "*"
                trigger: { membership_requests: {} }
                if: { number_prefix: [+1, 0044, +44 20] }
                then: [approve_requests]
            """)
        #expect(set.rules[0].condition == .numberPrefix(try ["1", "44", "4420"].map { try NumberPrefix(parsing: $0) }))
    }

    @Test func conditionsInSourceOrderAndCombinators() throws {
        let set = try load("""
            version: 1
            rules:
              - id: a
                groups: "*"
                trigger: { membership_requests: {} }
                if:
                  not_number_prefix: ["+7"]
                  any:
                    - number_unknown: true
                    - all: [{ subject: "^Support" }, { member_count: { below: 1000 } }]
                  not: { setting: { announcement: true } }
                then: [reject_requests]
            """)
        let expected = Condition.all([
            .notNumberPrefix([try NumberPrefix(parsing: "7")]),
            .any([.numberUnknown(true), .all([.subject("^Support"), .memberCount(above: nil, below: 1000)])]),
            .not(.setting(GroupSettings([.announcement: true]))),
        ])
        #expect(set.rules[0].condition == expected)
        #expect(set.rules[0].condition?.concernsRequester == true)
    }

    @Test func allActionsDecode() throws {
        let set = try load("""
            version: 1
            rules:
              - id: a
                groups: ["120363000000000001@g.us"]
                trigger: { schedule: { cron: "0 9 * * MON" } }
                max_actions_per_run: 5
                priority: -2
                mode: audit
                enabled: false
                then:
                  - set_announcement: false
                  - set_locked: true
                  - set_member_add_mode: all_member_add
                  - set_member_link_mode: all_member_link
                  - set_history_sharing: admin_share
                  - set_ephemeral: "off"
                  - update_profile: { subject: "S {{rule.id}}" }
                  - participants: { action: promote, numbers: ["+1 555 123 4567", "123456789012345@lid"] }
                  - rotate_invite
                  - webhook: { url: "https://example.org/h?g={{group.jid}}", headers: { X-Token: abc } }
                  - log: "{{invite.code}} {{now}} {{requests.count}}"
                  - leave_group
            """)
        let rule = set.rules[0]
        #expect(rule.groups == .some([.jid(GroupJID("120363000000000001@g.us")!)]))
        #expect(rule.maxActionsPerRun == 5 && rule.priority == -2 && rule.mode == .audit && !rule.enabled)
        #expect(rule.actions.map(\.kind.name) == [
            "set_announcement", "set_locked", "set_member_add_mode", "set_member_link_mode", "set_history_sharing", "set_ephemeral",
            "update_profile", "participants", "rotate_invite", "webhook", "log", "leave_group",
        ])
        #expect(rule.actions[5] == .setting(SettingChange(.ephemeral, .seconds(0))))
        #expect(rule.actions[7] == .participants(.init(operation: .promote, members: [UserJID("15551234567@s.whatsapp.net")!, UserJID("123456789012345@lid")!])))
    }

    @Test func folderLoadsYamlFilesOnlyAndNotSubfolders() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("tests"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "version: 1\n".write(to: folder.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
        try "version: 1\n".write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "not yaml rules".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "version: 2\n".write(to: folder.appendingPathComponent("tests/t.yaml"), atomically: true, encoding: .utf8)
        let set = try RuleLoader(environment: [:]).load(paths: [folder.path])
        #expect(set.files.map { ($0 as NSString).lastPathComponent } == ["a.yaml", "b.yml"])
    }

    /// Text that is not UTF-8 is refused where its first bad byte is, never repaired (a
    /// replacement character in a group name or a subject pattern would change what a rule
    /// matches); UTF-16 with a byte order mark is read, as libyaml reads it; a FIFO is not read.
    @Test func filesThatAreNotUTF8TextAreRefusedWithTheirPlace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-encoding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let latin1 = folder.appendingPathComponent("latin1.yaml")
        try (Data("version: 1\ngroups:\n  cafe: { subject: \"^Caf".utf8) + Data([0xE9]) + Data("\" }\n".utf8)).write(to: latin1)
        #expect(throws: RuleLoadError(problems: [
            RuleProblem(file: latin1.path, mark: Mark(line: 3, column: 25), path: "",
                        message: "is not UTF-8 text: the byte 0xE9 here is no part of a UTF-8 character; save the file as UTF-8"),
        ])) {
            try RuleLoader(environment: [:]).load(paths: [latin1.path])
        }
        let utf16 = folder.appendingPathComponent("utf16.yaml")
        try #require("version: 1\nsessions: [\"é-1\"]\n".data(using: .utf16LittleEndian).map { Data([0xFF, 0xFE]) + $0 }).write(to: utf16)
        #expect(try RuleLoader(environment: [:]).load(paths: [utf16.path]).sessions == ["é-1"])
        let fifo = folder.appendingPathComponent("fifo.yaml")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect(throws: RuleLoadError(problems: [
            RuleProblem(file: fifo.path, mark: nil, path: "", message: "is not a regular file (a folder, a FIFO or a device is not read)"),
        ])) {
            try RuleLoader(environment: [:]).load(paths: [fifo.path])
        }
    }

    @Test func missingPathsAndEmptyFolders() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: RuleLoadError(problems: [
            RuleProblem(file: "/no/such/rules", mark: nil, path: "", message: "no such file or folder"),
            RuleProblem(file: folder.path, mark: nil, path: "", message: "no rule files (*.yaml or *.yml) in this folder"),
        ])) {
            try RuleLoader(environment: [:]).load(paths: ["/no/such/rules", folder.path])
        }
    }

    @Test func errorsFromEveryFileAtOnce() {
        do {
            _ = try RuleLoader(environment: [:]).load([
                .init(name: "b.yaml", text: "version: 1\nrules: 5\n"),
                .init(name: "a.yaml", text: "version: [\n"),
                .init(name: "c.yaml", text: "version: 1\nbogus: 1\n"),
            ])
            Issue.record("loaded")
        } catch {
            #expect(error.problems.map(\.file) == ["a.yaml", "b.yaml", "c.yaml"])
            #expect(error.summary == "3 errors in 3 files")
        }
    }

    @Test func jsonFormOfAProblem() throws {
        let problem = RuleProblem(file: "a.yaml", mark: .init(line: 3, column: 7), path: "rules[0].then[0]", message: "m", suggestion: "s")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(problem), as: UTF8.self)
            == #"{"column":7,"file":"a.yaml","line":3,"message":"m","path":"rules[0].then[0]","suggestion":"s"}"#)
    }

    /// Each key the loader accepts is a property of the object it belongs to in the schema (not
    /// just somewhere in its text), and no object there has a key the loader does not accept.
    @Test func schemaNamesEveryKeyTheLoaderAcceptsWhereItBelongs() throws {
        let schema = RuleSchema.json()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? [String: Any])
        #expect(root["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        func object(_ value: Any?, _ path: String...) -> [String: Any] {
            var current = value
            for step in path {
                if let index = Int(step) { current = (current as? [Any]).flatMap { index < $0.count ? $0[index] : nil } } else { current = (current as? [String: Any])?[step] }
            }
            return current as? [String: Any] ?? [:]
        }
        func keys(_ value: [String: Any]) -> Set<String> { Set((value["properties"] as? [String: Any] ?? [:]).keys) }
        let properties = object(root, "properties")
        let definitions = object(root, "$defs")
        let rule = object(properties, "rules", "items")
        let trigger = object(rule, "properties", "trigger")
        let condition = object(definitions, "condition")
        let expected: [(String, [String: Any], [String])] = [
            ("top level", root, RuleFileDecoder.topLevelKeys),
            ("settings", object(properties, "settings"), RuleFileDecoder.settingsKeys),
            ("limits", object(properties, "settings", "properties", "limits"), RuleFileDecoder.limitsKeys),
            ("a group selector", object(properties, "groups", "additionalProperties"), RuleFileDecoder.groupKeys),
            ("a rule", rule, RuleDecoder.ruleKeys),
            ("a policy", object(properties, "policies", "items"), RuleDecoder.policyKeys),
            ("ensure", object(properties, "policies", "items", "properties", "ensure"), GroupSetting.all.map(\.key)),
            ("a trigger", trigger, Trigger.names),
            ("membership_requests", object(trigger, "properties", "membership_requests", "anyOf", "1"), RuleDecoder.membershipKeys),
            ("member_count trigger", object(trigger, "properties", "member_count"), RuleDecoder.memberCountKeys),
            ("schedule", object(trigger, "properties", "schedule"), RuleDecoder.scheduleKeys),
            ("a condition", condition, Condition.names),
            ("member_count condition", object(condition, "properties", "member_count"), RuleDecoder.memberCountConditionKeys),
            ("time", object(condition, "properties", "time"), RuleDecoder.timeKeys),
            ("setting", object(condition, "properties", "setting"), GroupSetting.all.map(\.key)),
        ]
        for (what, schemaObject, loaderKeys) in expected {
            #expect(keys(schemaObject) == Set(loaderKeys), "\(what): schema \(keys(schemaObject).sorted()) vs loader \(loaderKeys.sorted())")
        }
        // Actions: one form per action name, and the options of those that take some.
        let forms = object(definitions, "action")["oneOf"] as? [[String: Any]] ?? []
        var named: [String: [String: Any]] = [:]
        for form in forms {
            if let constant = form["const"] as? String { named[constant] = [:] }
            for (name, value) in form["properties"] as? [String: Any] ?? [:] { named[name] = value as? [String: Any] ?? [:] }
        }
        #expect(Set(named.keys) == Set(Action.Kind.allCases.map(\.name)))
        #expect(keys(named["update_profile"] ?? [:]) == Set(RuleDecoder.profileKeys))
        #expect(keys(named["participants"] ?? [:]) == Set(RuleDecoder.participantsKeys))
        #expect(keys(named["webhook"] ?? [:]) == Set(RuleDecoder.webhookKeys))
    }
}

/// A numbers file named by many rules is read and checked once per load.
struct NumbersFileSharingTests {
    private func folder(numbers: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("numbers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try numbers.write(to: directory.appendingPathComponent("vetted.txt"), atomically: true, encoding: .utf8)
        let rule = { (id: String, path: String) in
            "  - { id: \(id), groups: \"*\", trigger: { membership_requests: {} }, if: { numbers_file: \(path) }, then: [approve_requests] }\n"
        }
        let text = "version: 1\nrules:\n" + rule("a", "vetted.txt") + rule("b", "./vetted.txt") + rule("c", "vetted.txt")
        try text.write(to: directory.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test func everyRuleGetsTheNumbersUnderItsOwnSpelling() throws {
        let directory = try folder(numbers: "+1 555 123 4567\n# a comment\n  447700900123  # trailing comment\n")
        let set = try RuleLoader(environment: [:]).load(paths: [directory.path])
        let files = set.rules.compactMap { rule -> NumbersFile? in
            if case .numbersFile(let file)? = rule.condition { file } else { nil }
        }
        #expect(files.map(\.path) == ["vetted.txt", "./vetted.txt", "vetted.txt"])
        #expect(files.allSatisfy { $0.numbers == [PhoneNumber("15551234567")!, PhoneNumber("447700900123")!] })
    }

    /// Lines end in "\n" or "\r\n" (a file saved on Windows); a bad line is still placed right.
    @Test func windowsLineEndsAreLineEnds() throws {
        let directory = try folder(numbers: "+1 555 123 4567\r\n# comment\r\n447700900123 # trailing\r\n")
        let set = try RuleLoader(environment: [:]).load(paths: [directory.path])
        guard case .numbersFile(let file)? = set.rules.first?.condition else {
            Issue.record("no numbers file")
            return
        }
        #expect(file.numbers == [PhoneNumber("15551234567")!, PhoneNumber("447700900123")!])
        let broken = try folder(numbers: "15551234567\r\n  nope\r\n")
        do {
            _ = try RuleLoader(environment: [:]).load(paths: [broken.path])
            Issue.record("a bad numbers file loaded")
        } catch {
            #expect(error.problems.map { "\($0.mark.map(\.description) ?? "") \($0.message)" } == ["2:3 \"nope\" is not a phone number (6 to 15 digits, optionally after + or 00)"])
        }
    }

    @Test func aBadLineIsReportedOnceNotOncePerRule() throws {
        let directory = try folder(numbers: "15551234567\nnot a number\n")
        do {
            _ = try RuleLoader(environment: [:]).load(paths: [directory.path])
            Issue.record("a bad numbers file loaded")
        } catch {
            #expect(error.problems.map(\.message) == ["\"not a number\" is not a phone number (6 to 15 digits, optionally after + or 00)"])
        }
    }
}

/// Files are parsed and decoded side by side; what a load returns or reports must be what it
/// would be one file after the other, whatever finishes first.
struct SideBySideLoadTests {
    private func corpus() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("side-by-side-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "15551234567\nnot a number\n".write(to: directory.appendingPathComponent("bad.txt"), atomically: true, encoding: .utf8)
        try "15551234567\n".write(to: directory.appendingPathComponent("good.txt"), atomically: true, encoding: .utf8)
        for file in 0..<12 {
            var text = "version: 1\n"
            if file == 0 { text += "settings: { timezone: Europe/Berlin }\ngroups:\n  support: { subject: \"^Support\" }\n" }
            text += "rules:\n"
            for rule in 0..<40 {
                let id = rule == 7 && file == 5 ? "r-0-1" : "r-\(file)-\(rule)"  // one id used twice, across files
                let condition = switch rule % 5 {
                case 0: "{ numbers_file: bad.txt }"
                case 1: "{ numbers_file: ./good.txt }"
                case 2: "{ numbers_file: missing.txt }"
                case 3: "{ time: { after: \"25:00\" } }"
                default: "{ number_prefix: [\"+49\"] }"
                }
                let groups = rule % 7 == 0 ? "[suport]" : "[support]"
                text += "  - { id: \(id), groups: \(groups), trigger: { membership_requests: {} }, if: \(condition), then: [approve_requests] }\n"
            }
            try text.write(to: directory.appendingPathComponent(String(format: "rules-%02d.yaml", file)), atomically: true, encoding: .utf8)
        }
        try "version: 1\nrules: [ {id: x\n".write(to: directory.appendingPathComponent("rules-99.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    private func problems(_ directory: URL, threads: Int, partSize: Int = 10_000) -> [String] {
        var loader = RuleLoader(environment: [:])
        loader.threads = threads
        loader.partSize = partSize
        loader.sideBySideFrom = 0
        do {
            _ = try loader.load(paths: [directory.path])
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func reportsWhatAOneByOneLoadReports() throws {
        let directory = try corpus()
        let oneByOne = problems(directory, threads: 1)
        // Every kind is there: the shared bad numbers file once, the missing one once, a syntax error, ...
        #expect(oneByOne.filter { $0.contains("\"not a number\" is not a phone number") }.count == 1)
        #expect(oneByOne.filter { $0.contains("missing.txt\" does not exist") }.count == 1)
        #expect(oneByOne.contains { $0.contains("already used") })
        #expect(oneByOne.contains { $0.contains("rules-99.yaml") })
        #expect(oneByOne.count > 100)
        for _ in 0..<5 {
            #expect(problems(directory, threads: 4) == oneByOne)
            // Files cut into parts of 7 rules: the shared numbers files are read by many parts.
            #expect(problems(directory, threads: 4, partSize: 7) == oneByOne)
        }
    }

    @Test func loadsWhatAOneByOneLoadLoads() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("side-by-side-ok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "15551234567\n".write(to: directory.appendingPathComponent("good.txt"), atomically: true, encoding: .utf8)
        for file in 0..<8 {
            let rules = (0..<30).map { "  - { id: r-\(file)-\($0), groups: \"*\", trigger: { membership_requests: {} }, if: { numbers_file: good.txt }, then: [approve_requests] }\n" }
            try ("version: 1\nrules:\n" + rules.joined()).write(to: directory.appendingPathComponent("r\(file).yaml"), atomically: true, encoding: .utf8)
        }
        var one = RuleLoader(environment: [:])
        one.threads = 1
        var many = RuleLoader(environment: [:])
        many.threads = 4
        many.partSize = 7
        many.sideBySideFrom = 0
        let expected = try one.load(paths: [directory.path])
        let found = try many.load(paths: [directory.path])
        #expect(found.rules.map(\.id) == expected.rules.map(\.id))
        #expect(found.rules == expected.rules)
        #expect(found.files == expected.files)
    }
}

/// Subject patterns of plain text are not compiled while rules load: every such pattern must be
/// one ICU compiles, and a pattern with a metacharacter is still compiled (and refused if wrong).
struct PlainPatternTests {
    @Test func plainTextPatternsAlwaysCompile() throws {
        var state: UInt64 = 0x7061_7474
        let alphabet = Array(" ^$#-_/:'\"!@%&=,;<>~`aZ09".utf8) + Array("\\.|?*+()[]{}".utf8)
        var plain = 0
        for _ in 0..<3_000 {
            let length = 1 + Int(state % 12)
            let pattern = String(decoding: (0..<length).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return alphabet[Int((state >> 33) % UInt64(alphabet.count))]
            }, as: UTF8.self)
            let compiles = (try? NSRegularExpression(pattern: pattern)) != nil
            if SubjectPattern.isPlainText(pattern) {
                plain += 1
                #expect(compiles, "\(pattern.debugDescription)")
            }
            #expect((SubjectPattern.validate(pattern) == nil) == compiles, "\(pattern.debugDescription)")
        }
        #expect(plain > 100)
        #expect(SubjectPattern.validate("^Support (") != nil)
    }
}
