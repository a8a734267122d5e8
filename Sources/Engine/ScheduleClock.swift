import Foundation
import Rules

/// When a schedule is due, from its last run.
enum ScheduleClock {
    /// The first fire time after `last`.
    static func next(after last: Date, _ trigger: ScheduleTrigger) -> Date? {
        switch trigger.timing {
        case .cron(let cron):
            guard let zone = TimeZone(identifier: trigger.timezone) else { return nil }
            return cron.nextFire(after: last, in: zone)
        case .every(let interval):
            return last.addingTimeInterval(Double(interval.components.seconds))
        }
    }

    /// The latest fire time at or before `now`, after `last` (nil when none is due).
    static func latestDue(after last: Date, until now: Date, _ trigger: ScheduleTrigger) -> Date? {
        guard var due = next(after: last, trigger), due <= now else { return nil }
        if case .every(let interval) = trigger.timing {
            let step = Double(max(interval.components.seconds, 1))
            let skipped = ((now.timeIntervalSince(due)) / step).rounded(.down)
            return due.addingTimeInterval(skipped * step)
        }
        // Cron: walk forward; bounded, since missed runs far in the past are only counted once.
        for _ in 0..<10_000 {
            guard let following = next(after: due, trigger), following <= now else { return due }
            due = following
        }
        return due
    }
}

/// Each schedule rule's latest due time after a last run, worked out once per (rule, last run)
/// and evaluation: the groups of a rule mostly share their last run (the same tick stamped them),
/// and working it out walks the cron calendar in a time zone.
final class ScheduleMemo {
    private struct Key: Hashable {
        let rule: Int
        let last: Date
    }

    let now: Date
    private var answers: [Key: Date?] = [:]

    init(now: Date) {
        self.now = now
    }

    /// `ScheduleClock.latestDue(after: last, until: now, trigger)`; `rule` names `trigger`.
    func latestDue(after last: Date, _ trigger: ScheduleTrigger, rule: Int) -> Date? {
        let key = Key(rule: rule, last: last)
        if let answer = answers[key] { return answer }
        let answer = ScheduleClock.latestDue(after: last, until: now, trigger)
        answers[key] = .some(answer)
        return answer
    }
}
