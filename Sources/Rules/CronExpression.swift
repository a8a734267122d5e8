public import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`) and its fire times.
///
/// Fields take numbers, names (`JAN`-`DEC`, `SUN`-`SAT`, any case), `*`, ranges `a-b`, steps
/// `*/n`, `a-b/n` and `a/n` (from `a` to the end of the range), and comma lists. Day of week 0 and
/// 7 are both Sunday. As in Vixie cron, when both day fields are restricted (neither starts with
/// `*`), a day matches if either matches. Macros: `@hourly`, `@daily` (`@midnight`), `@weekly`,
/// `@monthly`, `@yearly` (`@annually`).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let source: String
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    let daysOfMonthRestricted: Bool
    let daysOfWeekRestricted: Bool
    /// A job with `*` at the start of its minute or hour field (`@hourly` included), which
    /// Debian's cron runs by the wall clock as it goes on DST nights; the others run at a
    /// particular time, which a change of the clocks moves but neither drops nor repeats.
    public let followsWallClock: Bool

    public var description: String { source }

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public let message: String
        public let suggestion: String?
        public var description: String { message }
    }

    static let macros: [String: String] = [
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
    ]

    private struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        let namesStart: Int
    }

    private static let fields = [
        Field(name: "minute", range: 0...59, names: [], namesStart: 0),
        Field(name: "hour", range: 0...23, names: [], namesStart: 0),
        Field(name: "day of month", range: 1...31, names: [], namesStart: 0),
        Field(name: "month", range: 1...12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], namesStart: 1),
        Field(name: "day of week", range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], namesStart: 0),
    ]

    public init(parsing text: String) throws(ParseError) {
        let trimmed = String(text.trimmingBlanks)
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                let names = Self.macros.keys.sorted()
                throw ParseError(
                    message: "unknown cron macro \"\(trimmed)\"; expected one of \(names.joined(separator: ", "))",
                    suggestion: Suggestion.closest(to: trimmed.lowercased(), among: names).map { "did you mean \"\($0)\"?" })
            }
            expanded = macro
        }
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ParseError(
                message: "a cron expression has 5 fields (minute hour day-of-month month day-of-week); found \(parts.count)",
                suggestion: parts.count == 6 ? "seconds are not supported: drop the first field" : "for example \"0 9 * * MON\" is 09:00 every Monday")
        }
        var masks: [UInt64] = []
        for (index, field) in Self.fields.enumerated() {
            masks.append(try Self.parseField(parts[index], field))
        }
        // Sunday is 0 and 7.
        var daysOfWeek = masks[4]
        if daysOfWeek & (1 << 7) != 0 { daysOfWeek = (daysOfWeek | 1) & ~(1 << 7) }
        source = trimmed
        minutes = masks[0]
        hours = masks[1]
        daysOfMonth = masks[2]
        months = masks[3]
        self.daysOfWeek = daysOfWeek
        daysOfMonthRestricted = !parts[2].hasPrefix("*")
        daysOfWeekRestricted = !parts[4].hasPrefix("*")
        followsWallClock = parts[0].hasPrefix("*") || parts[1].hasPrefix("*")
        guard nextLocalMatch(atOrAfter: LocalTime(year: 2000, month: 1, day: 1, hour: 0, minute: 0)) != nil else {
            throw ParseError(message: "the cron expression \"\(trimmed)\" never fires (no such date)", suggestion: nil)
        }
    }

    private static func parseField(_ text: String, _ field: Field) throws(ParseError) -> UInt64 {
        var mask: UInt64 = 0
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            mask |= try parseElement(String(element), field)
        }
        return mask
    }

    private static func parseElement(_ element: String, _ field: Field) throws(ParseError) -> UInt64 {
        guard !element.isEmpty else {
            throw ParseError(message: "the \(field.name) field has an empty list element", suggestion: nil)
        }
        var body = Substring(element)
        var step = 1
        var hasStep = false
        if let slash = body.firstIndex(of: "/") {
            let stepText = body[body.index(after: slash)...]
            guard let value = Int(stepText), value > 0 else {
                throw ParseError(message: "the \(field.name) field has an invalid step \"\(stepText)\"; a step is a number of at least 1", suggestion: nil)
            }
            step = value
            hasStep = true
            body = body[..<slash]
        }
        var low: Int
        var high: Int
        if body == "*" {
            low = field.range.lowerBound
            high = field.range.upperBound
            if field.name == "day of week" { high = 6 }
        } else if let dash = body.firstIndex(of: "-") {
            low = try value(body[..<dash], field)
            high = try value(body[body.index(after: dash)...], field)
            guard low <= high else {
                throw ParseError(
                    message: "the \(field.name) range \(body) runs backwards",
                    suggestion: "write it as two ranges, for example \(body[body.index(after: dash)...])-\(field.range.upperBound),\(field.range.lowerBound)-\(body[..<dash])")
            }
        } else {
            low = try value(body, field)
            high = hasStep ? field.range.upperBound : low
            if hasStep, field.name == "day of week" { high = 6 }
        }
        guard step <= field.range.count else {
            throw ParseError(message: "the \(field.name) step \(step) is larger than the field's range \(field.range.lowerBound)-\(field.range.upperBound)", suggestion: nil)
        }
        var mask: UInt64 = 0
        for bit in stride(from: low, through: high, by: step) { mask |= 1 << UInt64(bit) }
        return mask
    }

    private static func value(_ text: Substring, _ field: Field) throws(ParseError) -> Int {
        if let number = Int(text) {
            guard field.range.contains(number) else {
                throw ParseError(message: "\(field.name) \(number) is out of range \(field.range.lowerBound)-\(field.range.upperBound)", suggestion: nil)
            }
            return number
        }
        if !field.names.isEmpty {
            if let index = field.names.firstIndex(of: text.uppercased()) { return index + field.namesStart }
            throw ParseError(
                message: "unknown \(field.name) name \"\(text)\"; expected a number \(field.range.lowerBound)-\(field.range.upperBound) or one of \(field.names.joined(separator: ", "))",
                suggestion: Suggestion.closest(to: text.uppercased(), among: field.names).map { "did you mean \"\($0)\"?" })
        }
        throw ParseError(message: "the \(field.name) field has \"\(text)\" where a number \(field.range.lowerBound)-\(field.range.upperBound) belongs", suggestion: nil)
    }

    // MARK: - Matching

    func matches(_ time: LocalTime) -> Bool {
        minutes & (1 << UInt64(time.minute)) != 0 && hours & (1 << UInt64(time.hour)) != 0
            && months & (1 << UInt64(time.month)) != 0 && dayMatches(time)
    }

    private func dayMatches(_ time: LocalTime) -> Bool {
        let dom = daysOfMonth & (1 << UInt64(time.day)) != 0
        let dow = daysOfWeek & (1 << UInt64(time.weekday)) != 0
        if daysOfMonthRestricted && daysOfWeekRestricted { return dom || dow }
        return dom && dow
    }

    /// The first local minute at or after `start` that the expression matches, within eight years
    /// (long enough for any expression that can fire, such as 29 February on a Monday).
    func nextLocalMatch(atOrAfter start: LocalTime) -> LocalTime? {
        var day = start.daysSinceEpoch
        var hour = start.hour
        var minute = start.minute
        for _ in 0..<(366 * 8 + 2) {
            let date = LocalTime(daysSinceEpoch: day, hour: 0, minute: 0)
            if months & (1 << UInt64(date.month)) != 0, dayMatches(date) {
                while hour < 24 {
                    if hours & (1 << UInt64(hour)) != 0 {
                        let remaining = minutes >> UInt64(minute)
                        if minute < 60, remaining != 0 {
                            return LocalTime(daysSinceEpoch: day, hour: hour, minute: minute + remaining.trailingZeroBitCount)
                        }
                    }
                    hour += 1
                    minute = 0
                }
            }
            day += 1
            hour = 0
            minute = 0
        }
        return nil
    }

    /// The first fire time strictly after `instant`, with the fields read as wall-clock time in
    /// `timeZone`, as Debian's cron runs jobs across DST changes (man 8 cron):
    ///
    /// - a job at a particular time (neither the minute nor the hour field starts with `*`): a
    ///   local time skipped by the change fires right after it (at the end of the gap, once however
    ///   many of its times fell in it); a local time repeated by the change fires once, at its
    ///   first occurrence;
    /// - a job with `*` in the minute or hour field follows the wall clock: its times in a skipped
    ///   hour do not fire, its times in a repeated hour fire in both occurrences.
    public func nextFire(after instant: Date, in timeZone: TimeZone) -> Date? {
        let wall = WallClock(timeZone: timeZone)
        let afterSeconds = Int(instant.timeIntervalSince1970.rounded(.down))
        // A lower bound of the local time of any instant after `instant`: its wall time, or less
        // when the clocks go back within the next day (the repeated hour's readings come again).
        // Across a fall-back, local order is not instant order (01:20 BST is before 01:00 GMT),
        // so matches are taken until no later one can map to an earlier instant.
        let offsets = [wall.offset(at: afterSeconds), wall.offset(at: afterSeconds + 86_400)]
        let (lowest, highest) = (offsets.min() ?? 0, offsets.max() ?? 0)
        var candidate = LocalTime(secondsSinceEpoch: afterSeconds + lowest)
        var best: Int?
        for _ in 0..<(24 * 60 + 122) {
            guard let match = nextLocalMatch(atOrAfter: candidate) else { break }
            let local = match.secondsSinceEpoch
            if let best, local - highest >= best { break }
            let fires = followsWallClock ? wall.instants(ofLocal: local) : [wall.instant(ofLocal: local)]
            if let fire = fires.first(where: { $0 > afterSeconds }), fire < (best ?? Int.max) { best = fire }
            candidate = LocalTime(secondsSinceEpoch: local + 60)
        }
        return best.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }
}
