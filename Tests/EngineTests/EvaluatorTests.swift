import Foundation
import Rules
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

let g1 = GroupJID("120363000000000001@g.us")!
let g2 = GroupJID("120363000000000002@g.us")!
let t0 = Date(timeIntervalSince1970: 1_790_000_000)

func ruleSet(_ rules: String, settings: String = "", groups: String = "") throws -> RuleSet {
    let text = "version: 1\n" + settings + groups + "rules:\n" + rules
    return try RuleLoader(environment: [:]).load([.init(name: "t.yaml", text: text)])
}

func request(_ jid: String, phone: String? = nil, age: TimeInterval = 0) -> MembershipRequest {
    let user = UserJID(jid)!
    return MembershipRequest(jid: user, phoneNumber: MembershipRequest.phoneNumber(of: user, field: phone), requestedAt: t0.addingTimeInterval(-age))
}

func snapshot(_ groups: [(GroupJID, Int, [MembershipRequest]?)], settings: GroupSettings = GroupSettings([.announcement: false, .locked: false])) -> Snapshot {
    Snapshot(session: "s", takenAt: t0, groups: groups.map { jid, size, requests in
        .init(group: Group(jid: jid, subject: "Group \(jid.rawValue.prefix(3))", size: size, settings: settings), requests: requests)
    })
}

/// (rule, action, targets) of a plan, in order.
func summary(_ plan: Plan) -> [String] {
    plan.actions.map { action in
        let targets = action.requests.map(\.jid.rawValue).joined(separator: ",")
        return "\(action.source) \(action.name)" + (targets.isEmpty ? "" : " \(targets)")
    }
}

struct EvaluatorTests {
    let us = "15551234567@s.whatsapp.net"
    let fr = "33612345678@s.whatsapp.net"
    let lid = "123456789012345@lid"

    @Test func lidWithoutPhoneIsNeverMatchedByPrefix() throws {
        let rules = try ruleSet("""
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
              - { id: not-fr, groups: "*", trigger: { membership_requests: {} }, if: { not_number_prefix: ["+33"] }, then: [{ log: x }] }
            """)
        // The LID digits start with 1, as a US number would: they must not count.
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [request(lid)])]), state: EngineState(), now: t0)
        #expect(plan.actions.isEmpty)
    }

    @Test func lidWithARealPhoneIsMatched() throws {
        let rules = try ruleSet("""
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
            """)
        let echo = request("111222333444555@lid", phone: "111222333444555")
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [request(lid, phone: "+1 202 555 0100"), echo])]), state: EngineState(), now: t0)
        #expect(summary(plan) == ["vet approve_requests \(lid)"])
    }

    @Test func numberUnknownMatchesOnlyUnknown() throws {
        let rules = try ruleSet("""
              - { id: unknown, groups: "*", trigger: { membership_requests: {} }, if: { number_unknown: true }, then: [reject_requests] }
            """)
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [request(us), request(lid)])]), state: EngineState(), now: t0)
        #expect(summary(plan) == ["unknown reject_requests \(lid)"])
    }

    @Test func oppositeDecisionsResolveByPriorityThenOrder() throws {
        let rules = try ruleSet("""
              - { id: reject-all, groups: "*", trigger: { membership_requests: {} }, then: [reject_requests] }
              - { id: approve-us, priority: 5, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
              - { id: approve-all, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests] }
            """)
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [request(us), request(fr)])]), state: EngineState(), now: t0)
        // +1: the priority 5 rule wins. +33: a tie at priority 0; the earlier rule wins.
        #expect(summary(plan) == ["reject-all reject_requests \(fr)", "approve-us approve_requests \(us)"])
    }

    @Test func auditModeRulesDoNotTakeTheDecision() throws {
        let rules = try ruleSet("""
              - { id: shadow, mode: audit, priority: 9, groups: "*", trigger: { membership_requests: {} }, then: [reject_requests] }
              - { id: approve, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests] }
            """)
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [request(us)])]), state: EngineState(), now: t0)
        #expect(summary(plan) == ["shadow reject_requests \(us)", "approve approve_requests \(us)"])
        #expect(plan.actions.map(\.mode) == [.audit, .enforce])
    }

    @Test func requestsActedOnAreNotActedOnAgain() throws {
        let rules = try ruleSet("""
              - { id: note, groups: "*", trigger: { membership_requests: {} }, then: [{ log: x }] }
              - { id: approve, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests] }
            """)
        let alice = request(us)
        let bob = request(fr, age: 60)
        var state = EngineState()
        state.acted[g1] = [
            ActedRequestRecord(rule: "note", requester: alice.jid, requestedAt: alice.requestKey, decision: nil),
            ActedRequestRecord(rule: "other", requester: bob.jid, requestedAt: bob.requestKey, decision: .approve),
        ]
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [alice, bob])]), state: state, now: t0)
        #expect(summary(plan) == ["approve approve_requests \(us)"])
        // A new request by the same person (another time) is a new request.
        let again = request(fr, age: 5)
        let second = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [again])]), state: state, now: t0)
        #expect(summary(second) == ["note log \(fr)", "approve approve_requests \(fr)"])
    }

    @Test func pendingForWaitsAndUnknownTimesNeverAge() throws {
        let rules = try ruleSet("""
              - { id: stale, groups: "*", trigger: { membership_requests: { pending_for: 72h } }, then: [reject_requests] }
            """)
        let old = request(us, age: 72 * 3600)
        let young = request(fr, age: 72 * 3600 - 1)
        let timeless = MembershipRequest(jid: UserJID(lid)!)
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [old, young, timeless])]), state: EngineState(), now: t0)
        #expect(summary(plan) == ["stale reject_requests \(us)"])
    }

    @Test func maxActionsPerRunTakesTheOldestFirst() throws {
        let rules = try ruleSet("""
              - { id: approve, max_actions_per_run: 2, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests, { log: "{{requests.count}}" }] }
            """)
        let requests = (0..<5).map { request("1555000000\($0)@s.whatsapp.net", age: Double($0) * 10) }
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, requests)]), state: EngineState(), now: t0)
        #expect(summary(plan) == [
            "approve approve_requests 15550000004@s.whatsapp.net,15550000003@s.whatsapp.net",
            "approve log 15550000004@s.whatsapp.net,15550000003@s.whatsapp.net",
        ])
    }

    @Test func groupSelectorsAndDisabledRules() throws {
        let rules = try ruleSet("""
              - { id: named, groups: [support], trigger: { membership_requests: {} }, then: [approve_requests] }
              - { id: off, enabled: false, groups: "*", trigger: { membership_requests: {} }, then: [reject_requests] }
            """, groups: "groups:\n  support: { subject: \"^Group 120\", exclude: [\"120363000000000002@g.us\"] }\n")
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, [request(us)]), (g2, 10, [request(fr)])]), state: EngineState(), now: t0)
        #expect(summary(plan) == ["named approve_requests \(us)"])
    }

    @Test func groupConditions() throws {
        let rules = try ruleSet("""
              - { id: small, groups: "*", trigger: { membership_requests: {} }, if: { member_count: { below: 100 } }, then: [approve_requests] }
              - { id: quiet, groups: "*", trigger: { membership_requests: {} }, if: { setting: { announcement: true } }, then: [{ log: x }] }
              - { id: office, groups: "*", trigger: { membership_requests: {} }, if: { time: { after: "09:00", before: "17:00", timezone: UTC } }, then: [{ log: y }] }
            """)
        // t0 is 2026-09-21 14:13:20 UTC: inside office hours.
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 50, [request(us)]), (g2, 500, [request(fr)])]), state: EngineState(), now: t0)
        #expect(summary(plan) == ["small approve_requests \(us)", "office log \(us)", "office log \(fr)"])
        let evening = Evaluator(rules: rules).evaluate(snapshot([(g2, 500, [request(fr)])]), state: EngineState(), now: t0.addingTimeInterval(4 * 3600))
        #expect(evening.actions.isEmpty)
    }

    /// Runs a member_count rule over counts at times, carrying the stored phase between steps as
    /// the engine does (through its string form, as in the state store).
    private func thresholdRun(_ rules: RuleSet, _ steps: [(TimeInterval, Int)], stored: String? = nil) -> (fired: [TimeInterval], stored: String?) {
        var phase = stored
        var fired: [TimeInterval] = []
        for (offset, count) in steps {
            var state = EngineState()
            if let phase { state.values[StateKey(.threshold, rule: "full", group: g1.rawValue)] = phase }
            let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, count, nil)]), state: state, now: t0.addingTimeInterval(offset))
            for change in plan.stateChanges where change.key.kind == .threshold { phase = change.value }
            if !plan.actions.isEmpty { fired.append(offset) }
        }
        return (fired, phase)
    }

    @Test func thresholdHeldForTenMinutesFiresOnceAndRearms() throws {
        let rules = try ruleSet("""
              - { id: full, groups: "*", trigger: { member_count: { above: 900, for: 10m, rearm: 850 } }, then: [{ set_announcement: true }] }
            """)
        let run = thresholdRun(rules, [
            (0, 880),      // baseline: armed
            (60, 905),     // crossed: pending
            (300, 910),    // held 4 min
            (659, 920),    // 9:59: not yet
            (660, 920),    // 10 min: fires
            (900, 950),    // still above: no second fire
            (1000, 890),   // below the threshold but above rearm: not re-armed
            (1100, 905),   // so crossing again does nothing
            (1200, 840),   // at or below 850: re-armed
            (1300, 901),   // crossing again: pending
            (1900, 901),   // held 10 min: fires again
        ])
        #expect(run.fired == [660, 1900])
    }

    @Test func thresholdPendingTimerSurvivesARestart() throws {
        let rules = try ruleSet("""
              - { id: full, groups: "*", trigger: { member_count: { above: 900, for: 10m } }, then: [{ set_announcement: true }] }
            """)
        let before = thresholdRun(rules, [(0, 880), (60, 905), (300, 910)])
        #expect(before.fired.isEmpty)
        #expect(before.stored == "pending:\(t0.addingTimeInterval(60).timeIntervalSince1970)")
        // The engine stops; a new one starts from the stored phase.
        let after = thresholdRun(rules, [(600, 910), (660, 912)], stored: before.stored)
        #expect(after.fired == [660])
    }

    @Test func thresholdDipDuringTheHoldResetsTheTimer() throws {
        let rules = try ruleSet("""
              - { id: full, groups: "*", trigger: { member_count: { below: 100, for: 5m } }, then: [{ set_announcement: false }] }
            """)
        let run = thresholdRun(rules, [(0, 120), (10, 90), (200, 110), (250, 95), (500, 95), (560, 95)])
        #expect(run.fired == [560])
    }

    @Test func aGroupAlreadyPastTheThresholdDoesNotFireOnFirstSight() throws {
        let rules = try ruleSet("""
              - { id: full, groups: "*", trigger: { member_count: { above: 900 } }, then: [{ set_announcement: true }] }
            """)
        #expect(thresholdRun(rules, [(0, 950), (60, 960)]).fired.isEmpty)
        #expect(thresholdRun(rules, [(0, 950), (60, 880), (120, 960)]).fired == [120])
    }

    private func scheduleRun(_ rules: RuleSet, last: Date?, now: Date) -> (fires: Int, stored: String?) {
        var state = EngineState()
        if let last { state.values[StateKey(.scheduleRun, rule: "rotate", group: g1.rawValue)] = String(last.timeIntervalSince1970) }
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, nil)]), state: state, now: now)
        return (plan.actions.count, plan.stateChanges.first { $0.key.kind == .scheduleRun }?.value ?? nil)
    }

    @Test func scheduleFirstSightStartsCountingWithoutFiring() throws {
        let rules = try ruleSet("""
              - { id: rotate, groups: "*", trigger: { schedule: { cron: "0 9 * * MON", timezone: Europe/London } }, then: [rotate_invite] }
            """)
        let result = scheduleRun(rules, last: nil, now: t0)
        #expect(result.fires == 0)
        #expect(result.stored == String(t0.timeIntervalSince1970))
    }

    @Test func cronInLondonFiresAtLocalNineAcrossTheClockChange() throws {
        let rules = try ruleSet("""
              - { id: rotate, groups: "*", trigger: { schedule: { cron: "0 9 * * MON", timezone: Europe/London } }, then: [rotate_invite] }
            """)
        // Monday 30 March 2026, 09:00 BST is 08:00 UTC.
        let sunday = Date(timeIntervalSince1970: 1_774_774_800)  // 2026-03-29T09:00:00Z
        #expect(scheduleRun(rules, last: sunday, now: Date(timeIntervalSince1970: 1_774_857_540)).fires == 0)  // 07:59Z
        #expect(scheduleRun(rules, last: sunday, now: Date(timeIntervalSince1970: 1_774_857_600)).fires == 1)  // 08:00Z
    }

    @Test func missedRunOnceFiresOnceAndSkipFiresNone() throws {
        let runOnce = try ruleSet("""
              - { id: rotate, groups: "*", trigger: { schedule: { every: 1h, missed: run_once } }, then: [rotate_invite, { log: x }] }
            """)
        let skip = try ruleSet("""
              - { id: rotate, groups: "*", trigger: { schedule: { every: 1h, missed: skip } }, then: [rotate_invite] }
            """)
        // Stopped for a day and a half hour: 24 runs missed, the latest 30 minutes ago.
        let now = t0.addingTimeInterval(1800)
        let downtime = scheduleRun(runOnce, last: t0.addingTimeInterval(-86_400), now: now)
        #expect(downtime.fires == 2)  // one run: its two steps
        #expect(downtime.stored == String(now.timeIntervalSince1970))
        #expect(scheduleRun(skip, last: t0.addingTimeInterval(-86_400), now: now).fires == 0)
        // On time (within the lateness allowance), skip still runs.
        #expect(scheduleRun(skip, last: t0.addingTimeInterval(-3600), now: t0.addingTimeInterval(5)).fires == 1)
    }

    @Test func groupsOfOneScheduleWithDifferentLastRunsAreDueEachOnItsOwn() throws {
        // One pass works a schedule out once per last run: groups sharing one share the answer,
        // a group with another last run gets its own.
        let rules = try ruleSet("""
              - { id: rotate, groups: "*", trigger: { schedule: { every: 1h } }, then: [rotate_invite] }
              - { id: other, groups: "*", trigger: { schedule: { every: 2h } }, then: [rotate_invite] }
            """)
        let g3 = try #require(GroupJID("120363000000000003@g.us"))
        var state = EngineState()
        // Every hour: g1 and g3 last ran 1 h 10 s ago (due), g2 10 minutes ago (not due).
        let lastRuns = [(g1, -3_610.0), (g2, -600.0), (g3, -3_610.0)]
        let names = [g1.rawValue: "g1", g2.rawValue: "g2", g3.rawValue: "g3"]
        for (group, offset) in lastRuns {
            for rule in ["rotate", "other"] {
                state.values[StateKey(.scheduleRun, rule: rule, group: group.rawValue)] = String(t0.addingTimeInterval(offset).timeIntervalSince1970)
            }
        }
        let plan = Evaluator(rules: rules).evaluate(snapshot([(g1, 10, nil), (g2, 10, nil), (g3, 10, nil)]), state: state, now: t0)
        #expect(plan.actions.map { "\($0.source) \(names[$0.group.jid.rawValue] ?? "?")" } == ["rotate g1", "rotate g3"])
        let stamped = plan.stateChanges.filter { $0.key.kind == .scheduleRun }.map { "\($0.key.rule) \(names[$0.key.group] ?? "?")" }
        #expect(stamped == ["rotate g1", "rotate g3"])
    }

    @Test func policiesEnforceAndAudit() throws {
        let enforce = try ruleSet("  []\npolicies:\n  - { id: base, groups: \"*\", ensure: { announcement: false, locked: true, ephemeral: 7d } }\n")
        let settings = GroupSettings([.announcement: false, .locked: false])  // ephemeral unknown: not judged
        let plan = Evaluator(rules: enforce).evaluate(snapshot([(g1, 10, nil)], settings: settings), state: EngineState(), now: t0)
        #expect(plan.actions.map(\.step) == [.setting(SettingChange(.locked, true))])

        let audit = try ruleSet("  []\npolicies:\n  - { id: base, mode: audit, groups: \"*\", ensure: { locked: true } }\n")
        let first = Evaluator(rules: audit).evaluate(snapshot([(g1, 10, nil)], settings: settings), state: EngineState(), now: t0)
        #expect(first.actions.isEmpty)
        #expect(first.notes.map(\.detail) == ["locked is false, policy wants true"])
        // Reported once per drift.
        var state = EngineState()
        state.values[StateKey(.drift, rule: "base", group: g1.rawValue, sub: "locked")] = "false"
        #expect(Evaluator(rules: audit).evaluate(snapshot([(g1, 10, nil)], settings: settings), state: state, now: t0).notes.isEmpty)
        // Drift gone: the record is cleared.
        let fixed = Evaluator(rules: audit).evaluate(snapshot([(g1, 10, nil)], settings: GroupSettings([.locked: true])), state: state, now: t0)
        #expect(fixed.stateChanges.map(\.value) == [nil])
    }
}
