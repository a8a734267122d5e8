import Foundation
import Rules
import State
import WadialAPI

/// What one evaluation decided: actions to take, and state to remember.
public struct Plan: Sendable {
    public var actions: [PlannedAction] = []
    /// Keyed state to write (nil removes): thresholds, schedule runs, reported drift.
    public var stateChanges: [(key: StateKey, value: String?)] = []
    /// Notes for the audit trail that are not actions (drift seen by audit-mode policies).
    public var notes: [PlannedNote] = []

    public init() {}
}

public struct PlannedNote: Sendable, Hashable {
    public var source: String
    public var group: GroupJID
    public var action: String
    public var detail: String
}

/// One step of a rule (or a policy's correction) for one group.
public struct PlannedAction: Sendable {
    public enum Step: Sendable, Hashable {
        case rule(Action)
        /// A policy setting a drifted value back.
        case setting(SettingChange)
    }

    public var source: String
    public var isPolicy: Bool
    public var mode: RuleMode
    /// The rule's order in the rule set: actions run in this order.
    public var order: Int
    /// The step's place in the rule's `then:`.
    public var index: Int
    public var group: Group
    public var step: Step
    /// The requests the rule fired for (membership_requests rules); the targets of approve/reject.
    public var requests: [MembershipRequest]
    /// Why it fired, for `plan` and logs.
    public var reason: String

    /// The action's name as in the rule language (`approve_requests`, `set_announcement`).
    public var name: String {
        switch step {
        case .rule(let action): action.kind.rawValue
        case .setting(let change): change.actionName
        }
    }

    public var isWrite: Bool {
        switch step {
        case .rule(let action): action.kind.isWrite
        case .setting: true
        }
    }
}

extension SettingChange {
    var actionName: String {
        switch self {
        case .announcement: "set_announcement"
        case .locked: "set_locked"
        case .memberAddMode: "set_member_add_mode"
        case .memberLinkMode: "set_member_link_mode"
        case .historySharing: "set_history_sharing"
        case .ephemeral: "set_ephemeral"
        }
    }

    var detail: String {
        switch self {
        case .announcement(let value): "announcement=\(value)"
        case .locked(let value): "locked=\(value)"
        case .memberAddMode(let mode): "member_add_mode=\(mode.rawValue)"
        case .memberLinkMode(let mode): "member_link_mode=\(mode.rawValue)"
        case .historySharing(let mode): "history_sharing=\(mode.rawValue)"
        case .ephemeral(let seconds): "ephemeral=\(EphemeralDuration(seconds: seconds)?.rawValue ?? "\(seconds)s")"
        }
    }
}

extension Action {
    /// The settings change this action makes, if it is one.
    var settingChange: SettingChange? {
        switch self {
        case .setAnnouncement(let value): .announcement(value)
        case .setLocked(let value): .locked(value)
        case .setMemberAddMode(let mode): .memberAddMode(mode)
        case .setMemberLinkMode(let mode): .memberLinkMode(mode)
        case .setHistorySharing(let mode): .historySharing(mode)
        case .setEphemeral(let duration): .ephemeral(seconds: duration.seconds)
        default: nil
        }
    }
}
