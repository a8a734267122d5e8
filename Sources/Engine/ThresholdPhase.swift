public import Foundation
public import Rules

/// The edge detector of a `member_count` trigger for one group:
///
///     armed --crossed--> pending(since) --held `for`--> fired --back at rearm--> armed
///       ^                    |
///       +----not crossed-----+
///
/// With no `for`, a crossing fires at once. The first observation of a group is a baseline: a
/// group already past the threshold starts as fired and must re-arm before it can fire.
public enum ThresholdPhase: Sendable, Hashable {
    case armed
    case pending(since: Date)
    case fired

    public init?(stored: String) {
        switch stored {
        case "armed": self = .armed
        case "fired": self = .fired
        default:
            guard stored.hasPrefix("pending:"), let seconds = Double(stored.dropFirst(8)) else { return nil }
            self = .pending(since: Date(timeIntervalSince1970: seconds))
        }
    }

    public var stored: String {
        switch self {
        case .armed: "armed"
        case .fired: "fired"
        case .pending(let since): "pending:\(since.timeIntervalSince1970)"
        }
    }

    /// The next phase for `count` at `now`, and whether the rule fires.
    public static func step(_ phase: ThresholdPhase?, trigger: MemberCountTrigger, count: Int, now: Date) -> (ThresholdPhase, fires: Bool) {
        let crossed = trigger.isCrossed(by: count)
        let rearmed = trigger.isRearmed(by: count)
        guard let phase else { return (crossed ? .fired : .armed, false) }
        switch phase {
        case .armed:
            guard crossed else { return (.armed, false) }
            guard let hold = trigger.holdFor, hold > .zero else { return (.fired, true) }
            return (.pending(since: now), false)
        case .pending(let since):
            guard crossed else { return (.armed, false) }
            if let hold = trigger.holdFor, now.timeIntervalSince(since) >= Double(hold.components.seconds) { return (.fired, true) }
            return (.pending(since: since), false)
        case .fired:
            return (rearmed ? .armed : .fired, false)
        }
    }
}
