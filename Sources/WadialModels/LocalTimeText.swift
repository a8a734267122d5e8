public import Foundation

/// Times for people, in a timezone with the weekday: `Sun 2026-12-06 12:00:05 Europe/Berlin`.
/// One formatting for `audit`, `plan`, the start line, the status page and rule tests.
public enum LocalTimeText {
    /// The zone an IANA name names; UTC for a name that is not one (rule files are checked first).
    public static func zone(_ identifier: String) -> TimeZone {
        TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    /// The zone's IANA name; `UTC` for UTC (Foundation on Linux calls it `GMT`).
    public static func name(_ zone: TimeZone) -> String {
        zone.identifier == "GMT" ? "UTC" : zone.identifier
    }

    /// The weekday, the local date and time (to the second, or the minute), and the zone's name.
    public static func format(_ date: Date, in zone: TimeZone, seconds: Bool = true) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = seconds ? "EEE yyyy-MM-dd HH:mm:ss" : "EEE yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + " " + name(zone)
    }
}
