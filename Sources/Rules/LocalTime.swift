import Foundation

/// A wall-clock minute (no time zone), with calendar arithmetic on the proleptic Gregorian calendar.
struct LocalTime: Sendable, Hashable, Comparable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    init(daysSinceEpoch days: Int, hour: Int, minute: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d, hour: hour, minute: minute)
    }

    init(secondsSinceEpoch seconds: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        self.init(daysSinceEpoch: days, hour: rest / 3600, minute: (rest % 3600) / 60)
    }

    var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Seconds since 1970-01-01T00:00 of the same wall-clock reading.
    var secondsSinceEpoch: Int { daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 }

    /// 0 is Sunday; 1970-01-01 was a Thursday.
    var weekday: Int {
        let remainder = (daysSinceEpoch + 4) % 7
        return remainder < 0 ? remainder + 7 : remainder
    }

    static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }
}

/// Converts between instants and wall-clock readings in one time zone.
struct WallClock {
    let timeZone: TimeZone

    func offset(at seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    func localSeconds(at instant: Int) -> Int { instant + offset(at: instant) }

    /// Every instant at which the wall clock reads `local`, in order: none in a gap, two in a
    /// repeated hour, otherwise one.
    func instants(ofLocal local: Int) -> [Int] {
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        return Set([local - before, local - after]).sorted().filter { localSeconds(at: $0) == local }
    }

    /// The instant a wall-clock reading denotes: the earlier one when it occurs twice, the end of
    /// the gap when it does not occur at all.
    func instant(ofLocal local: Int) -> Int {
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        let candidates = Set([local - before, local - after]).sorted()
        if let valid = candidates.first(where: { localSeconds(at: $0) == local }) { return valid }
        // A gap: the wall clock jumps over `local`; find the first instant after the jump.
        var low = candidates[0]
        var high = candidates[candidates.count - 1]
        let lowOffset = offset(at: low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == lowOffset { low = middle } else { high = middle }
        }
        return high
    }
}
