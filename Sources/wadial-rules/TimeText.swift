import Foundation
import WadialModels

/// The moments `--since` and `--until` take (times are shown with `LocalTimeText`).
enum TimeText {
    /// A moment from a flag: a duration back from `now` (`24h`, `7d`), a date (`2026-12-01`: its
    /// start in `zone`), a local date and time (`2026-12-01T08:00`, `2026-12-01 08:00:30`), or an
    /// ISO 8601 instant with its offset (`2026-12-01T08:00:00Z`). Nil when it is none of them.
    static func moment(_ text: String, in zone: TimeZone, now: Date) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = RuleDuration.seconds(trimmed) { return now.addingTimeInterval(-Double(seconds)) }
        return instant(trimmed, in: zone)
    }

    /// As `moment`, without durations: an instant with its offset, a local date and time in
    /// `zone`, or a date (its start). What `--at` takes.
    static func instant(_ text: String, in zone: TimeZone) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: trimmed) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed), formatter.string(from: date) == trimmed { return date }
        }
        return nil
    }

    static let instantHelp = "an instant (2026-03-02T09:00:00Z), a local time in the rules' timezone (2026-03-02T09:00) or a date (2026-03-02)"

    static let momentHelp = "a duration back from now (24h, 7d), a date (2026-12-01), a local time (2026-12-01T08:00) or an instant (2026-12-01T08:00:00Z)"
}
