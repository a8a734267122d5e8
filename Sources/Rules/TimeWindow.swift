public import Foundation

public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case sun = 0, mon, tue, wed, thu, fri, sat

    public var name: String { ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][rawValue] }
    public var description: String { name }

    /// `mon`, `Mon`, `monday`, `MONDAY`.
    public init?(name: String) {
        let lower = name.lowercased()
        guard let day = Self.allCases.first(where: { lower == $0.name || lower == $0.fullName }) else { return nil }
        self = day
    }

    public var fullName: String { ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"][rawValue] }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A daily window of wall-clock time, optionally on some weekdays only, in one time zone.
///
/// `after` is inclusive and `before` exclusive. A window whose `before` is not later than its
/// `after` wraps midnight (22:00-06:00); the weekday is the day the window opened.
public struct TimeWindow: Sendable, Hashable {
    /// Minutes after midnight.
    public var after: Int?
    public var before: Int?
    public var weekdays: Set<Weekday>?
    /// An IANA identifier; the rule set's timezone when not written.
    public var timezone: String

    public init(after: Int?, before: Int?, weekdays: Set<Weekday>?, timezone: String) {
        self.after = after
        self.before = before
        self.weekdays = weekdays
        self.timezone = timezone
    }

    /// `"09:00"` as 540; nil unless `HH:MM` with a valid hour and minute (`24:00` means end of day).
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...59).contains(minute), (0...23).contains(hour) || (hour == 24 && minute == 0)
        else { return nil }
        return hour * 60 + minute
    }

    public static func format(minutes: Int) -> String {
        let hour = minutes / 60
        let minute = minutes % 60
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    public func contains(_ date: Date) -> Bool {
        guard let zone = TimeZone(identifier: timezone) else { return false }
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let local = LocalTime(secondsSinceEpoch: WallClock(timeZone: zone).localSeconds(at: seconds))
        let minute = local.hour * 60 + local.minute
        let start = after ?? 0
        let end = before ?? 24 * 60
        let today = Weekday(rawValue: local.weekday) ?? .sun
        if start < end {
            return (start..<end).contains(minute) && dayAllowed(today)
        }
        // Wraps midnight: the late part belongs to today, the early part to yesterday's window.
        if minute >= start { return dayAllowed(today) }
        if minute < end { return dayAllowed(Weekday(rawValue: (local.weekday + 6) % 7) ?? .sun) }
        return false
    }

    /// For `explain`: the local weekday and time at `date`, whether it is inside, and the window,
    /// as `Sunday 12:00 Europe/Berlin, outside mon-fri 08:00-20:00`.
    public func describe(_ date: Date) -> String {
        guard let zone = TimeZone(identifier: timezone) else { return "the timezone \(timezone) is not known" }
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let local = LocalTime(secondsSinceEpoch: WallClock(timeZone: zone).localSeconds(at: seconds))
        let day = Weekday(rawValue: local.weekday) ?? .sun
        let when = "\(day.fullName.prefix(1).uppercased() + day.fullName.dropFirst()) \(Self.format(minutes: local.hour * 60 + local.minute)) \(timezone)"
        return "\(when), \(contains(date) ? "inside" : "outside") \(windowText)"
    }

    /// `mon-fri 08:00-20:00`, `sat,sun`, `every day 22:00-06:00`.
    public var windowText: String {
        var parts: [String] = []
        if let weekdays, weekdays.count < 7 {
            let days = Weekday.allCases.filter { weekdays.contains($0) }
            if days.count > 2, let first = days.first, let last = days.last, last.rawValue - first.rawValue == days.count - 1 {
                parts.append("\(first.name)-\(last.name)")
            } else {
                parts.append(days.map(\.name).joined(separator: ","))
            }
        } else {
            parts.append("every day")
        }
        if after != nil || before != nil {
            parts.append("\(Self.format(minutes: after ?? 0))-\(Self.format(minutes: before ?? 24 * 60))")
        }
        return parts.joined(separator: " ")
    }

    private func dayAllowed(_ day: Weekday) -> Bool {
        weekdays.map { $0.contains(day) } ?? true
    }
}
