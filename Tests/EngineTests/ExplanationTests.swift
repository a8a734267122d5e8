import Foundation
import Rules
import Testing
import WadialAPI
import WadialModels
@testable import Engine

struct ExplanationTests {
    static let rules = """
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1", "+44"] }, then: [approve_requests] }
          - { id: unknown, groups: "*", trigger: { membership_requests: { pending_for: 1h } }, if: { number_unknown: true }, then: [reject_requests] }
        """

    func explain(_ request: MembershipRequest) throws -> String {
        let rules = try ruleSet(Self.rules)
        return Explanation.explain(rules: rules, snapshot: snapshot([(g1, 10, [request])]), state: EngineState(), group: g1, requester: request.jid, now: t0).text
    }

    @Test func aTimeWindowSaysTheLocalWeekdayAndTimeAndTheWindow() throws {
        let rules = try ruleSet("""
              - id: office
                groups: "*"
                trigger: { membership_requests: {} }
                if: { time: { after: "08:00", before: "20:00", weekdays: [mon, tue, wed, thu, fri], timezone: Europe/Berlin } }
                then: [approve_requests]
            """)
        let request = request("15551234567@s.whatsapp.net", age: 60)
        // 2026-12-06 is a Sunday; 11:00 UTC is 12:00 in Berlin (CET).
        let sunday = Date(timeIntervalSince1970: 1_796_554_800)
        let text = Explanation.explain(rules: rules, snapshot: snapshot([(g1, 10, [request])]), state: EngineState(), group: g1, requester: request.jid, now: sunday).text
        #expect(text.contains("time window: Sunday 12:00 Europe/Berlin, outside mon-fri 08:00-20:00 -> does not hold"), "\(text)")
        let monday = sunday.addingTimeInterval(86_400)
        let inside = Explanation.explain(rules: rules, snapshot: snapshot([(g1, 10, [request])]), state: EngineState(), group: g1, requester: request.jid, now: monday).text
        #expect(inside.contains("time window: Monday 12:00 Europe/Berlin, inside mon-fri 08:00-20:00 -> holds"), "\(inside)")
    }

    @Test func matchingRequest() throws {
        #expect(try explain(request("15551234567@s.whatsapp.net", age: 60)) == """
            requester: 15551234567@s.whatsapp.net
            number:    +15551234567

            vet: would act (approve_requests)
              number_prefix: number +15551234567 vs prefixes +1, +44 -> holds

            unknown: would not act
              pending_for 1h: waited 1m -> no
              number_unknown: true: number +15551234567 -> does not hold

            decision: approve by vet (priority, then rule order)
            """)
    }

    @Test func nonMatchingRequest() throws {
        #expect(try explain(request("33612345678@s.whatsapp.net", age: 7200)) == """
            requester: 33612345678@s.whatsapp.net
            number:    +33612345678

            vet: would not act
              number_prefix: number +33612345678 vs prefixes +1, +44 -> does not hold

            unknown: would not act
              pending_for 1h: waited 2h -> yes
              number_unknown: true: number +33612345678 -> does not hold

            decision: none: the request stays pending
            """)
    }

    @Test func unknownNumber() throws {
        #expect(try explain(request("123456789012345@lid", age: 7200)) == """
            requester: 123456789012345@lid
            number:    unknown (@lid without phone)

            vet: would not act
              number_prefix: number unknown (@lid without phone) vs prefixes +1, +44 -> does not hold

            unknown: would act (reject_requests)
              pending_for 1h: waited 2h -> yes
              number_unknown: true: number unknown (@lid without phone) -> holds

            decision: reject by unknown (priority, then rule order)
            """)
    }
}
