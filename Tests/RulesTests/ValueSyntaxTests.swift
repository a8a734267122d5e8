import Foundation
import Testing
import WadialModels
@testable import Rules

struct ValueSyntaxTests {
    @Test(arguments: [("45s", 45), ("10m", 600), ("6h", 21_600), ("7d", 604_800), ("1h30m", 5400), ("1d2h3m4s", 93_784), ("0s", 0), ("90m", 5400)])
    func durations(_ text: String, _ seconds: Int64) {
        #expect(RuleDuration.seconds(text) == seconds)
    }

    @Test(arguments: ["", "10", "m", "1.5h", "30m1h", "1h1h", "10 m", "-5s", "5S", "1w", "1h 30m", "99999999999999999999d", "36501d"])
    func notDurations(_ text: String) {
        #expect(RuleDuration.seconds(text) == nil)
    }

    @Test func durationFormatting() {
        #expect(RuleDuration.format(.seconds(5400)) == "1h30m")
        #expect(RuleDuration.format(.seconds(0)) == "0s")
        #expect(RuleDuration.format(.seconds(93_784)) == "1d2h3m4s")
    }

    @Test(arguments: [("+1", "1"), ("+44 20", "4420"), ("0044", "44"), ("49-151", "49151"), (" +33 ", "33"), ("(0)", "0")])
    func prefixes(_ text: String, _ digits: String) throws {
        #expect(try NumberPrefix(parsing: text).digits == digits)
    }

    @Test func prefixErrors() {
        #expect(throws: NumberPrefix.ParseError.empty) { try NumberPrefix(parsing: " ") }
        #expect(throws: NumberPrefix.ParseError.notDigits) { try NumberPrefix(parsing: "+4a") }
        #expect(throws: NumberPrefix.ParseError.notDigits) { try NumberPrefix(parsing: "+") }
        #expect(throws: NumberPrefix.ParseError.tooLong) { try NumberPrefix(parsing: "1234567890123456") }
    }

    @Test func prefixMatchesKnownNumbersOnly() throws {
        let uk = try NumberPrefix(parsing: "+44")
        #expect(uk.matches(PhoneNumber("+44 7700 900123")!))
        #expect(!uk.matches(PhoneNumber("+1 555 123 4567")!))
    }

    @Test func templates() throws {
        let template = try Template(parsing: "Hi {{ group.subject }}: {{{invite.link}}} & {{& now}}!")
        #expect(template.parts == [.text("Hi "), .variable("group.subject"), .text(": "), .variable("invite.link"), .text(" & "), .variable("now"), .text("!")])
        #expect(template.render(["group.subject": "Support", "invite.link": "L", "now": "T"]) == "Hi Support: L & T!")
        #expect(try Template(parsing: "no variables").parts == [.text("no variables")])
        #expect(try Template(parsing: "").parts == [])
    }

    @Test func templateErrors() {
        #expect(throws: Template.ParseError(message: "\"{{\" is not closed by \"}}\"", suggestion: nil)) { try Template(parsing: "x {{group.jid") }
        #expect(throws: Template.ParseError.self) { try Template(parsing: "{{> partial}}") }
        // A combining mark after the third brace belongs to the name, which is then unknown.
        #expect(throws: Template.ParseError.self) { try Template(parsing: "{{{\u{301}now}}}") }
        #expect((try? Template(parsing: "é {{now}} 😀"))?.parts == [.text("é "), .variable("now"), .text(" 😀")])
        #expect(throws: Template.ParseError(
            message: "unknown template variable \"group.name\"; expected one of group.jid, group.subject, group.size, rule.id, now, invite.code, invite.link, requests.count",
            suggestion: "did you mean \"{{group.size}}\"?")) { try Template(parsing: "{{group.name}}") }
    }

    @Test(arguments: [("09:00", 540), ("9:05", 545), ("00:00", 0), ("23:59", 1439), ("24:00", 1440)])
    func clockTimes(_ text: String, _ minutes: Int) {
        #expect(TimeWindow.minutes(text) == minutes)
    }

    @Test(arguments: ["24:01", "25:00", "9", "09:5", "09:60", "-1:00", "ab:cd", "09:00:00", ""])
    func notClockTimes(_ text: String) {
        #expect(TimeWindow.minutes(text) == nil)
    }

    @Test func officeHoursInBerlin() {
        let window = TimeWindow(after: 9 * 60, before: 17 * 60, weekdays: [.mon, .tue, .wed, .thu, .fri], timezone: "Europe/Berlin")
        #expect(window.contains(instant("2026-11-30T08:00:00Z")))  // Monday 09:00 CET
        #expect(!window.contains(instant("2026-11-30T07:59:00Z")))  // 08:59
        #expect(!window.contains(instant("2026-11-30T16:00:00Z")))  // 17:00: `before` is exclusive
        #expect(!window.contains(instant("2026-11-28T10:00:00Z")))  // Saturday
        #expect(window.contains(instant("2026-07-01T07:30:00Z")))  // Wednesday 09:30 CEST
    }

    @Test func windowWrappingMidnightBelongsToTheDayItOpened() {
        // Friday 22:00 to Saturday 06:00, Fridays only.
        let window = TimeWindow(after: 22 * 60, before: 6 * 60, weekdays: [.fri], timezone: "UTC")
        #expect(window.contains(instant("2026-11-27T23:00:00Z")))  // Friday night
        #expect(window.contains(instant("2026-11-28T05:59:00Z")))  // Saturday early: still Friday's window
        #expect(!window.contains(instant("2026-11-28T06:00:00Z")))
        #expect(!window.contains(instant("2026-11-28T23:00:00Z")))  // Saturday night
        #expect(!window.contains(instant("2026-11-27T05:00:00Z")))  // Friday early belongs to Thursday
    }

    @Test func weekdaysOnly() {
        let window = TimeWindow(after: nil, before: nil, weekdays: [.sun], timezone: "America/New_York")
        #expect(window.contains(instant("2026-11-30T04:00:00Z")))  // Sunday 23:00 in New York
        #expect(!window.contains(instant("2026-11-30T05:00:00Z")))
    }

    @Test func weekdayNames() {
        #expect(Weekday(name: "Mon") == .mon)
        #expect(Weekday(name: "SUNDAY") == .sun)
        #expect(Weekday(name: "tues") == nil)
    }

    @Test func suggestionsByEditDistance() {
        #expect(Suggestion.closest(to: "pirority", among: ["priority", "mode"]) == "priority")
        #expect(Suggestion.closest(to: "triger", among: ["trigger", "then"]) == "trigger")
        #expect(Suggestion.closest(to: "zzz", among: ["trigger", "then"]) == nil)
        #expect(Suggestion.editDistance(Array("abc"), Array("acb")) == 1)
        #expect(Suggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
    }

    @Test func subjectPatterns() {
        #expect(SubjectPattern.matches("^Region ", "Region North"))
        #expect(!SubjectPattern.matches("^Region ", "The Region North"))
        #expect(SubjectPattern.validate("(") != nil)
        #expect(SubjectPattern.validate("^a.*b$") == nil)
    }
}
