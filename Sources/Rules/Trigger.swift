/// What makes a rule fire; exactly one per rule.
public enum Trigger: Sendable, Hashable {
    /// Each pending join request of a selected group that the rule has not yet acted on.
    case membershipRequests(MembershipRequestTrigger)
    /// A group's member count crossing a threshold (an edge, not a level).
    case memberCount(MemberCountTrigger)
    /// Cron times or a fixed interval, for each selected group.
    case schedule(ScheduleTrigger)

    public var name: String {
        switch self {
        case .membershipRequests: "membership_requests"
        case .memberCount: "member_count"
        case .schedule: "schedule"
        }
    }

    public static let names = ["membership_requests", "member_count", "schedule"]
}

public struct MembershipRequestTrigger: Sendable, Hashable {
    /// Only requests waiting at least this long.
    public var pendingFor: Duration?

    public init(pendingFor: Duration? = nil) {
        self.pendingFor = pendingFor
    }
}

public struct MemberCountTrigger: Sendable, Hashable {
    public enum Threshold: Sendable, Hashable {
        case above(Int)
        case below(Int)
    }

    public var threshold: Threshold
    /// The crossing must hold this long before the rule fires.
    public var holdFor: Duration?
    /// After firing, the count must come back to this value before the rule can fire again:
    /// at or below it for `above`, at or above it for `below`. Defaults to the threshold.
    public var rearm: Int

    /// Whether `count` is past the threshold.
    public func isCrossed(by count: Int) -> Bool {
        switch threshold {
        case .above(let value): count > value
        case .below(let value): count < value
        }
    }

    /// Whether `count` is back at `rearm` (at or below it for `above`, at or above for `below`).
    public func isRearmed(by count: Int) -> Bool {
        switch threshold {
        case .above: count <= rearm
        case .below: count >= rearm
        }
    }

    public init(threshold: Threshold, holdFor: Duration? = nil, rearm: Int? = nil) {
        self.threshold = threshold
        self.holdFor = holdFor
        switch threshold {
        case .above(let value), .below(let value): self.rearm = rearm ?? value
        }
    }
}

public struct ScheduleTrigger: Sendable, Hashable {
    public enum Timing: Sendable, Hashable {
        case cron(CronExpression)
        case every(Duration)
    }

    /// What happens to fire times that passed while the engine was stopped.
    public enum Missed: String, Sendable, Hashable, CaseIterable {
        /// Drop them.
        case skip
        /// Fire once on start, however many were missed.
        case runOnce = "run_once"
    }

    public var timing: Timing
    /// IANA identifier; the rule set's timezone when not written.
    public var timezone: String
    public var missed: Missed

    public init(timing: Timing, timezone: String = "UTC", missed: Missed = .runOnce) {
        self.timing = timing
        self.timezone = timezone
        self.missed = missed
    }
}
