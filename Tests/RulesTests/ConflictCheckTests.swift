import Foundation
@testable import Rules
import Testing
import WadialModels

private func load(_ text: String) throws -> RuleSet {
    try RuleLoader(environment: [:]).load([.init(name: "c.yaml", text: "version: 1\n" + text)])
}

private func problems(_ text: String) -> [String] {
    do {
        _ = try RuleLoader(environment: [:]).load([.init(name: "c.yaml", text: "version: 1\n" + text)])
        return []
    } catch let error as RuleLoadError {
        return error.problems.map(\.description)
    } catch {
        return ["\(error)"]
    }
}

struct ConflictCheckTests {
    @Test func aRuleAndAPolicyThatUndoEachOtherAreWarnedOfWithBothPlaces() throws {
        let rules = try load("""
            rules:
              - id: big-announce
                groups: "*"
                trigger: { member_count: { above: 950 } }
                then: [{ set_announcement: true }]
            policies:
              - id: open-chat
                groups: "*"
                ensure: { announcement: false }
            """)
        let warnings = ConflictCheck.warnings(rules)
        #expect(warnings.map(\.description) == [
            """
            c.yaml:8:5: warning: policy "open-chat" sets announcement to false, and rule "big-announce" (c.yaml:3:5) sets it to true, on groups both can select: one undoes the other
              help: give the policy an if: that the other rules out (member_count ranges that do not overlap, or a setting: on another value), or select groups that do not overlap
            """,
        ])
    }

    @Test func memberCountRangesThatDoNotOverlapRuleTheConflictOut() throws {
        let base = """
            rules:
              - { id: big-announce, groups: "*", trigger: { member_count: { above: 950 } }, then: [{ set_announcement: true }] }
            policies:
              - id: open-chat
                groups: "*"
                ensure: { announcement: false }

            """
        #expect(ConflictCheck.warnings(try load(base + "    if: { member_count: { below: 951 } }\n")).isEmpty)
        #expect(ConflictCheck.warnings(try load(base + "    if: { not: { member_count: { above: 950 } } }\n")).isEmpty)
        // below 952 lets 951 through, where both hold.
        #expect(ConflictCheck.warnings(try load(base + "    if: { member_count: { below: 952 } }\n")).count == 1)
        // A time window does not rule a count out.
        #expect(ConflictCheck.warnings(try load(base + "    if: { time: { after: \"08:00\", before: \"20:00\" } }\n")).count == 1)
    }

    @Test func twoPoliciesAreCheckedAndDisjointGroupsOrKindsAreNot() throws {
        let rules = try load("""
            groups:
              one: { jids: ["120363000000000001@g.us"] }
              two: { jids: ["120363000000000002@g.us"] }
              three: { jids: ["120363000000000003@g.us", "120363000000000001@g.us"] }
              notices: { kind: announcements }
              locked-ones: { subject: "Locked" }
            policies:
              - { id: a, groups: [one], ensure: { locked: true } }
              - { id: b, groups: [two], ensure: { locked: false } }
              - { id: c, groups: [notices], ensure: { announcement: true } }
              - { id: d, groups: "*", ensure: { announcement: false } }
              - { id: e, groups: [locked-ones], ensure: { locked: true }, if: { setting: { announcement: true } } }
              - { id: f, groups: "*", ensure: { locked: false }, if: { setting: { announcement: false } } }
              - { id: g, groups: [one], ensure: { ephemeral: 7d } }
              - { id: h, groups: "*", ensure: { ephemeral: 24h } }
              - { id: i, groups: "*", mode: audit, ensure: { ephemeral: 90d } }
              - { id: j, groups: [three], ensure: { locked: false } }
            """)
        let pairs = ConflictCheck.warnings(rules).map { warning in
            warning.message.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element).prefix(2).joined(separator: "/")
        }
        // a/b: different JIDs (j shares one with a); c/d: different kinds; e/f: exclusive
        // settings; i: audit mode.
        #expect(pairs == ["f/a", "j/a", "e/b", "j/e", "h/g"])
    }

    @Test func aConditionOnTheSettingBothSetDoesNotKeepThemApart() throws {
        // They hold in turn and flip the setting on every tick.
        let flip = try load("""
            policies:
              - { id: p1, groups: "*", if: { setting: { announcement: true } }, ensure: { announcement: false } }
              - { id: p2, groups: "*", if: { setting: { announcement: false } }, ensure: { announcement: true } }
            """)
        #expect(ConflictCheck.warnings(flip).count == 1)
        // On another setting, they do.
        let apart = try load("""
            policies:
              - { id: p1, groups: "*", if: { setting: { locked: true } }, ensure: { announcement: false } }
              - { id: p2, groups: "*", if: { setting: { locked: false } }, ensure: { announcement: true } }
            """)
        #expect(ConflictCheck.warnings(apart).isEmpty)
    }

    @Test func aRuleWantsTheLastValueItSetsAndNotNotIsTheRangeItself() throws {
        let rules = try load("""
            rules:
              - id: r
                groups: "*"
                trigger: { member_count: { above: 10 } }
                then: [{ set_locked: true }, rotate_invite, { set_locked: false }]
            policies:
              - { id: open, groups: "*", ensure: { locked: false } }
              - { id: small-quiet, groups: "*", ensure: { locked: true }, if: { not: { not: { member_count: { below: 11 } } } } }
            """)
        // r leaves it unlocked, as open wants; small-quiet holds only at or below 10, where r never
        // fires; small-quiet and open can both hold (they fight).
        let messages = ConflictCheck.warnings(rules).map(\.message)
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("policy \"small-quiet\" sets locked to true, and policy \"open\"") == true)
    }

    @Test func aHundredPairsAreListedAndTheRestCounted() throws {
        let rules = (0..<150).map { "  - { id: r\($0), groups: \"*\", trigger: { member_count: { above: \($0 + 10) } }, then: [{ set_announcement: true }] }" }
        let set = try load("rules:\n" + rules.joined(separator: "\n") + "\npolicies:\n  - { id: open, groups: \"*\", ensure: { announcement: false } }\n")
        let report = ConflictCheck.check(set)
        #expect(report.pairs == 150)
        #expect(report.warnings.count == ConflictCheck.maximumWarnings + 1)
        #expect(report.warnings.last?.message == "and 50 more pairs of a rule and a policy, or two policies, that set one setting to different values")
        #expect(report.warnings.last?.location == nil)
    }

    @Test func aPolicyTakesGroupConditionsOnly() throws {
        let rules = try load("""
            policies:
              - { id: quiet, groups: "*", ensure: { announcement: false }, if: { member_count: { below: 951 }, subject: "^Chat" } }
            """)
        #expect(rules.policies.first?.condition == .all([.memberCount(above: nil, below: 951), .subject("^Chat")]))
        #expect(problems("""
            policies:
              - { id: quiet, groups: "*", ensure: { announcement: false }, if: { number_prefix: ["+1"] } }
            """).first?.contains("a policy's if: is about the group") == true)
    }

    @Test func selectorsTakeKinds() throws {
        let rules = try load("""
            groups:
              notices: { kind: announcements }
              both: { subject: "x", kind: [community, group] }
            rules:
              - { id: r, groups: [notices, both], trigger: { membership_requests: {} }, then: [approve_requests] }
            """)
        #expect(rules.selector(named: "notices")?.kinds == [.announcements])
        #expect(rules.selector(named: "both")?.kinds == [.community, .group])
        #expect(problems("""
            groups:
              bad: { kind: anouncements }
            rules:
              - { id: r, groups: [bad], trigger: { membership_requests: {} }, then: [approve_requests] }
            """).first?.contains("did you mean \"announcements\"?") == true)
    }
}

/// The first hundred pairs are kept without sorting all of them; they must be the hundred a sort
/// would give, whatever the order pairs are found in.
struct FirstPairsTests {
    @Test func keepsTheSmallestPairsInOrder() {
        var state: UInt64 = 0x5eed_f1a5
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<50 {
            let count = [0, 1, 99, 100, 101, 250, 5_000][round % 7]
            let pairs = (0..<count).map { _ in ConflictCheck.Pair(earlier: random(300), later: random(300)) }
            var first = ConflictCheck.FirstPairs(limit: 100)
            for pair in pairs { first.offer(pair) }
            #expect(first.sorted == Array(pairs.sorted().prefix(100)), "round \(round), \(count) pairs")
        }
    }
}

/// The setters are gathered in slices of rules side by side: any slicing must give the same
/// warnings, in the same order, as one slice.
struct ConflictSliceTests {
    @Test func slicesGiveWhatOneSliceGives() throws {
        var text = "groups:\n  a: { jids: [\"120363000000000001@g.us\", \"120363000000000002@g.us\"] }\n  b: { subject: \"^B\" }\n  c: { kind: announcements }\nrules:\n"
        let groups = ["[a]", "[b]", "[c]", "\"*\"", "\"120363000000000002@g.us\"", "[a, b]"]
        for index in 0..<150 {
            let condition = index % 3 == 0 ? ", if: { member_count: { above: \(index % 40) } }" : ""
            let action = ["set_announcement: \(index % 2 == 0)", "set_locked: \(index % 5 == 0)", "set_member_add_mode: all_member_add"][index % 3]
            text += "  - { id: r\(index), groups: \(groups[index % groups.count]), trigger: { schedule: { every: 1h } }\(condition), then: [{ \(action) }] }\n"
        }
        text += "policies:\n"
        for index in 0..<12 {
            text += "  - { id: p\(index), groups: \(groups[(index * 5) % groups.count]), ensure: { announcement: \(index % 2 == 1), locked: false, member_add_mode: admin_add } }\n"
        }
        let set = try load(text)
        let whole = ConflictCheck.check(set, slice: 1_000)
        #expect(whole.pairs > ConflictCheck.maximumWarnings)  // the first hundred are a choice
        for slice in [1, 7, 64] {
            let sliced = ConflictCheck.check(set, slice: slice)
            #expect(sliced.pairs == whole.pairs, "slice \(slice)")
            #expect(sliced.warnings == whole.warnings, "slice \(slice)")
        }
    }
}

/// Counting a class of alike setters against a class must give what the pair-by-pair loop
/// gives: the same count and the same first hundred pairs, on sets where classes collide often.
struct ConflictClassTests {
    @Test func classesCountAndListWhatThePairLoopDoes() throws {
        let seed: UInt64 = 0xc1a5_5e5
        print("ConflictClassTests seed \(seed)")
        var state = seed
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let jids = try (0..<6).map { try #require(GroupJID("12036300000000000\($0)@g.us")) }
        let kinds: [Set<GroupKind>] = [[.group], [.announcements], [.group, .community]]
        for round in 0..<60 {
            let size = [3, 40, 150, 400][round % 4]
            // The first setters are the rules', the rest the policies' (as `check` numbers them).
            let split = random(size + 1)
            var table = ConflictCheck.Table()
            for index in 0..<size {
                let value = SettingValue.bool(random(2) == 0)
                let parts = (0..<(1 + random(2))).map { _ in
                    random(3) == 0
                        ? ConflictCheck.Footprint(kinds: kinds[random(3)], jids: nil)
                        : ConflictCheck.Footprint(kinds: kinds[random(2) * 2], jids: Set((0..<(1 + random(2))).map { _ in jids[random(jids.count)] }))
                }
                var bound = ConflictCheck.Bounds(above: random(3) == 0 ? random(40) : nil, below: random(3) == 0 ? random(60) : nil)
                if random(4) == 0 { bound.settings[.locked] = .bool(random(2) == 0) }
                table.append(owner: index, change: SettingChange(.announcement, value), reach: ConflictCheck.Reach(parts), bounds: bound, isPolicy: index >= split)
            }
            let members = (rules: Array(0..<split), policies: Array(split..<size))
            let setting = GroupSetting.ID.announcement
            let plain = ConflictCheck.pairByPair(setting, members, table)
            let classed = ConflictCheck.byClass(setting, members, table)
            #expect(classed.count == plain.count, "round \(round)")
            #expect(classed.first.sorted == plain.first.sorted, "round \(round)")
        }
    }
}
