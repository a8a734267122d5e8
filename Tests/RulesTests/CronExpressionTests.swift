import Foundation
import Testing
@testable import Rules

func instant(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else {
        Issue.record("bad date \(text)")
        return .distantPast
    }
    return date
}

func iso(_ date: Date?) -> String? {
    guard let date else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}

struct CronExpressionTests {
    let utc = TimeZone(identifier: "UTC")!
    let london = TimeZone(identifier: "Europe/London")!
    let newYork = TimeZone(identifier: "America/New_York")!

    private func next(_ cron: String, after: String, in zone: TimeZone) throws -> String? {
        iso(try CronExpression(parsing: cron).nextFire(after: instant(after), in: zone))
    }

    /// Successive fire times, to see that nothing fires twice or is skipped.
    private func sequence(_ cron: String, after: String, in zone: TimeZone, count: Int) throws -> [String] {
        let expression = try CronExpression(parsing: cron)
        var results: [String] = []
        var current = instant(after)
        for _ in 0..<count {
            guard let fire = expression.nextFire(after: current, in: zone) else { break }
            results.append(iso(fire) ?? "")
            current = fire
        }
        return results
    }

    // MARK: Plain cases in UTC

    @Test(arguments: [
        ("*/5 * * * *", "2026-11-28T12:03:00Z", "2026-11-28T12:05:00Z"),
        ("*/5 * * * *", "2026-11-28T12:05:00Z", "2026-11-28T12:10:00Z"),
        ("* * * * *", "2026-11-28T12:05:30Z", "2026-11-28T12:06:00Z"),
        ("0 9 * * MON", "2026-11-28T10:00:00Z", "2026-11-30T09:00:00Z"),
        ("0 9 * * MON-FRI", "2026-11-27T10:00:00Z", "2026-11-30T09:00:00Z"),
        ("0 9 * * 7", "2026-11-28T10:00:00Z", "2026-11-29T09:00:00Z"),
        ("0 9 * * 0", "2026-11-28T10:00:00Z", "2026-11-29T09:00:00Z"),
        ("0 9 * * sun", "2026-11-28T10:00:00Z", "2026-11-29T09:00:00Z"),
        ("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 0 31 * *", "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
        ("@monthly", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("@hourly", "2026-11-28T12:00:00Z", "2026-11-28T13:00:00Z"),
        ("@daily", "2026-11-28T12:00:00Z", "2026-11-29T00:00:00Z"),
        ("@weekly", "2026-11-28T12:00:00Z", "2026-11-29T00:00:00Z"),
        ("@yearly", "2026-11-28T12:00:00Z", "2027-01-01T00:00:00Z"),
        ("30 23 31 DEC *", "2026-12-31T23:30:00Z", "2027-12-31T23:30:00Z"),
        ("0 12 * JAN,jul *", "2026-02-01T00:00:00Z", "2026-07-01T12:00:00Z"),
        ("5-10/2 * * * *", "2026-11-28T12:07:00Z", "2026-11-28T12:09:00Z"),
        ("5-10/2 * * * *", "2026-11-28T12:09:00Z", "2026-11-28T13:05:00Z"),
        ("50/5 * * * *", "2026-11-28T12:51:00Z", "2026-11-28T12:55:00Z"),
        ("0 0,12 * * *", "2026-11-28T00:00:00Z", "2026-11-28T12:00:00Z"),
    ])
    func nextFireInUTC(_ cron: String, _ after: String, _ expected: String) throws {
        #expect(try next(cron, after: after, in: utc) == expected)
    }

    @Test func bothDayFieldsRestrictedMatchEither() throws {
        // 1 June 2026 is a Monday; the next day that is the 1st or a Monday is Monday 8 June.
        #expect(try next("0 9 1 * MON", after: "2026-06-01T10:00:00Z", in: utc) == "2026-06-08T09:00:00Z")
        // 1 July 2026 is a Wednesday: matched by the day of month alone.
        #expect(try sequence("0 9 1 * MON", after: "2026-06-27T00:00:00Z", in: utc, count: 2) == ["2026-06-29T09:00:00Z", "2026-07-01T09:00:00Z"])
    }

    @Test func starredDayFieldRequiresBoth() throws {
        // Day of week restricted, day of month `*/2` starts with `*`: both must match (odd days that are Mondays).
        #expect(try next("0 9 */2 * MON", after: "2026-06-01T10:00:00Z", in: utc) == "2026-06-15T09:00:00Z")
    }

    // MARK: Europe/London

    @Test func londonMondayMorningAcrossSpringForward() throws {
        #expect(try sequence("0 9 * * MON", after: "2026-03-20T00:00:00Z", in: london, count: 2)
            == ["2026-03-23T09:00:00Z", "2026-03-30T08:00:00Z"])
    }

    @Test func londonSkippedLocalTimeFiresAtEndOfGap() throws {
        // 29 March 2026: 01:00 GMT jumps to 02:00 BST; 01:30 does not exist that day.
        #expect(try sequence("30 1 * * *", after: "2026-03-27T12:00:00Z", in: london, count: 3)
            == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
    }

    // Debian's cron (man 8 cron): a job at a particular time has a time skipped by the change run
    // right after it and a repeated time run once; a job with `*` in its minute or hour field
    // follows the wall clock (skipped times do not run, repeated times run twice).

    @Test func londonSeveralTimesSkippedRunOnceRightAfterTheChange() throws {
        #expect(try sequence("0,30 1 * * *", after: "2026-03-28T12:00:00Z", in: london, count: 3)
            == ["2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T00:30:00Z"])
    }

    @Test func londonWildcardJobInTheSkippedHourDoesNotRun() throws {
        // `*/20 1 * * *`: 01:00, 01:20, 01:40 do not exist on 29 March; the next run is on the 30th.
        #expect(try sequence("*/20 1 * * *", after: "2026-03-28T12:00:00Z", in: london, count: 2)
            == ["2026-03-30T00:00:00Z", "2026-03-30T00:20:00Z"])
        // Every quarter hour: 00:45 GMT, then 02:00 BST (01:00Z) follows at once.
        #expect(try sequence("*/15 * * * *", after: "2026-03-29T00:30:00Z", in: london, count: 4)
            == ["2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", "2026-03-29T01:30:00Z"])
    }

    @Test func londonAmbiguousLocalTimeFiresOnce() throws {
        // 25 October 2026: 02:00 BST falls back to 01:00 GMT; 01:30 happens twice. It fires at the first.
        #expect(try sequence("30 1 * * *", after: "2026-10-24T12:00:00Z", in: london, count: 2)
            == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
    }

    @Test func londonHourlyRunsInBothOccurrencesOfTheRepeatedHour() throws {
        // Local 01:00 happens at 00:00Z (BST) and again at 01:00Z (GMT): `0 * * * *` runs at both.
        #expect(try sequence("0 * * * *", after: "2026-10-24T23:30:00Z", in: london, count: 3)
            == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"])
        #expect(try sequence("*/20 1 * * *", after: "2026-10-24T23:50:00Z", in: london, count: 7)
            == ["2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z",
                "2026-10-25T01:00:00Z", "2026-10-25T01:20:00Z", "2026-10-25T01:40:00Z", "2026-10-26T01:00:00Z"])
        // Asked from inside the first occurrence, the second is still ahead.
        #expect(try next("*/20 1 * * *", after: "2026-10-25T00:50:00Z", in: london) == "2026-10-25T01:00:00Z")
    }

    @Test func londonWeeklyAfterFallBack() throws {
        #expect(try sequence("0 9 * * MON", after: "2026-10-20T00:00:00Z", in: london, count: 2)
            == ["2026-10-26T09:00:00Z", "2026-11-02T09:00:00Z"])
        #expect(try next("0 9 * * MON", after: "2026-10-12T12:00:00Z", in: london) == "2026-10-19T08:00:00Z")
    }

    // MARK: America/New_York

    @Test func newYorkSkippedLocalTimeFiresAtEndOfGap() throws {
        // 8 March 2026: 02:00 EST jumps to 03:00 EDT at 07:00Z.
        #expect(try sequence("30 2 * * *", after: "2026-03-07T12:00:00Z", in: newYork, count: 3)
            == ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"])
    }

    @Test func newYorkWildcardJobInTheSkippedHourDoesNotRun() throws {
        #expect(try sequence("*/15 2 * * *", after: "2026-03-08T06:00:00Z", in: newYork, count: 2)
            == ["2026-03-09T06:00:00Z", "2026-03-09T06:15:00Z"])
    }

    @Test func newYorkWildcardHourRunsTheRepeatedHourTwice() throws {
        // 1 November 2026: 01:30 EDT (05:30Z) and 01:30 EST (06:30Z) both run `30 * * * *`.
        #expect(try sequence("30 * * * *", after: "2026-11-01T04:00:00Z", in: newYork, count: 4)
            == ["2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"])
    }

    @Test func newYorkAmbiguousLocalTimeFiresOnce() throws {
        // 1 November 2026: 02:00 EDT falls back to 01:00 EST at 06:00Z; 01:30 happens twice.
        #expect(try sequence("30 1 * * *", after: "2026-10-31T12:00:00Z", in: newYork, count: 2)
            == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
    }

    @Test func newYorkNoonAcrossBothChanges() throws {
        #expect(try sequence("0 12 * * SAT,MON", after: "2026-03-06T00:00:00Z", in: newYork, count: 2)
            == ["2026-03-07T17:00:00Z", "2026-03-09T16:00:00Z"])
        #expect(try sequence("0 12 * * SAT,MON", after: "2026-10-30T00:00:00Z", in: newYork, count: 2)
            == ["2026-10-31T16:00:00Z", "2026-11-02T17:00:00Z"])
    }

    // MARK: Australia/Lord_Howe (a 30-minute change)

    let lordHowe = TimeZone(identifier: "Australia/Lord_Howe")!

    @Test func lordHoweSpringForward() throws {
        // 4 October 2026: 02:00 LHST (+10:30) jumps to 02:30 LHDT (+11) at 15:30Z on the 3rd.
        #expect(try sequence("15 2 * * *", after: "2026-10-03T12:00:00Z", in: lordHowe, count: 2)
            == ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"])
        #expect(try sequence("*/10 2 * * *", after: "2026-10-03T12:00:00Z", in: lordHowe, count: 4)
            == ["2026-10-03T15:30:00Z", "2026-10-03T15:40:00Z", "2026-10-03T15:50:00Z", "2026-10-04T15:00:00Z"])
    }

    @Test func lordHoweFallBack() throws {
        // 5 April 2026: 02:00 LHDT (+11) falls back to 01:30 LHST (+10:30) at 15:00Z on the 4th.
        #expect(try sequence("45 1 * * *", after: "2026-04-04T12:00:00Z", in: lordHowe, count: 2)
            == ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"])
        #expect(try sequence("*/10 1 * * *", after: "2026-04-04T13:50:00Z", in: lordHowe, count: 10)
            == ["2026-04-04T14:00:00Z", "2026-04-04T14:10:00Z", "2026-04-04T14:20:00Z", "2026-04-04T14:30:00Z",
                "2026-04-04T14:40:00Z", "2026-04-04T14:50:00Z", "2026-04-04T15:00:00Z", "2026-04-04T15:10:00Z",
                "2026-04-04T15:20:00Z", "2026-04-05T14:30:00Z"])
    }

    @Test(arguments: [
        ("Europe/London", "2026-03-27T00:00:00Z"), ("Europe/London", "2026-10-23T00:00:00Z"),
        ("America/New_York", "2026-03-06T00:00:00Z"), ("America/New_York", "2026-10-30T00:00:00Z"),
        ("Australia/Lord_Howe", "2026-04-02T00:00:00Z"), ("Australia/Lord_Howe", "2026-10-01T00:00:00Z"),
    ])
    func fireTimesStrictlyIncreaseAcrossADSTChange(_ zone: String, _ start: String) throws {
        // Four days of every-ten-minutes around the change: no fire time repeats or goes backwards,
        // and the count is what the wall clock allows (one hour fewer or none repeated).
        let fires = try sequence("*/10 * * * *", after: start, in: TimeZone(identifier: zone)!, count: 4 * 144).map(instant)
        #expect(fires.count == 4 * 144)
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 })
    }

    // MARK: Errors

    @Test(arguments: [
        ("0 9 * *", "a cron expression has 5 fields (minute hour day-of-month month day-of-week); found 4"),
        ("0 0 9 * * MON", "a cron expression has 5 fields (minute hour day-of-month month day-of-week); found 6"),
        ("60 * * * *", "minute 60 is out of range 0-59"),
        ("0 24 * * *", "hour 24 is out of range 0-23"),
        ("0 0 0 * *", "day of month 0 is out of range 1-31"),
        ("0 0 32 * *", "day of month 32 is out of range 1-31"),
        ("0 0 * 13 *", "month 13 is out of range 1-12"),
        ("0 0 * * 8", "day of week 8 is out of range 0-7"),
        ("*/0 * * * *", "the minute field has an invalid step \"0\"; a step is a number of at least 1"),
        ("*/x * * * *", "the minute field has an invalid step \"x\"; a step is a number of at least 1"),
        ("0 22-2 * * *", "the hour range 22-2 runs backwards"),
        ("0 9 * * MOM", "unknown day of week name \"MOM\"; expected a number 0-7 or one of SUN, MON, TUE, WED, THU, FRI, SAT"),
        ("0 9 * JANUARY *", "unknown month name \"JANUARY\"; expected a number 1-12 or one of JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC"),
        ("0 x * * *", "the hour field has \"x\" where a number 0-23 belongs"),
        ("0,,5 * * * *", "the minute field has an empty list element"),
        ("0 0 30 2 *", "the cron expression \"0 0 30 2 *\" never fires (no such date)"),
        ("0 0 31 4,6,9,11 *", "the cron expression \"0 0 31 4,6,9,11 *\" never fires (no such date)"),
        ("@fortnightly", "unknown cron macro \"@fortnightly\"; expected one of @annually, @daily, @hourly, @midnight, @monthly, @weekly, @yearly"),
        ("*/99 * * * *", "the minute step 99 is larger than the field's range 0-59"),
    ])
    func parseErrors(_ cron: String, _ message: String) {
        #expect {
            _ = try CronExpression(parsing: cron)
        } throws: { error in
            (error as? CronExpression.ParseError)?.message == message
        }
    }

    @Test func suggestions() {
        #expect(throws: CronExpression.ParseError(message: "unknown day of week name \"MOM\"; expected a number 0-7 or one of SUN, MON, TUE, WED, THU, FRI, SAT", suggestion: "did you mean \"MON\"?")) {
            try CronExpression(parsing: "0 9 * * MOM")
        }
        #expect(throws: CronExpression.ParseError(message: "a cron expression has 5 fields (minute hour day-of-month month day-of-week); found 6", suggestion: "seconds are not supported: drop the first field")) {
            try CronExpression(parsing: "0 0 9 * * MON")
        }
    }
}
