import Foundation
public import Rules
public import State
public import WadialAPI
public import WadialModels

/// What one evaluation decided: actions to take, and state to remember.
public struct Plan: Sendable {
    public var actions: [PlannedAction] = []
    /// Keyed state to write (nil removes): thresholds, schedule runs, reported drift.
    public var stateChanges: [(key: StateKey, value: String?)] = []
    /// Notes for the audit trail that are not actions (drift seen by audit-mode policies).
    public var notes: [PlannedNote] = []
    /// Settings of a group that rules and policies wanted set to different values in this
    /// evaluation: none of them is done.
    public var conflicts: [PlannedConflict] = []

    public init() {}
}

/// One setting of one group wanted two ways: by a rule's action and an enforce-mode policy that
/// holds there, or by two such policies.
public struct PlannedConflict: Sendable {
    public var group: Group
    public var setting: GroupSetting
    /// Who wanted what, in rule-set order: `rule "big"` and `true`.
    public var wants: [(source: String, isPolicy: Bool, value: SettingValue)]

    /// `announcement: rule "big" wants true, policy "quiet" wants false; neither is done`.
    public var summary: String {
        let parts = wants.map { "\($0.isPolicy ? "policy" : "rule") \"\($0.source)\" wants \(setting.ruleText($0.value))" }
        return "\(setting.key): \(parts.joined(separator: ", ")); none of them is done"
    }

    /// Identifies the conflict across ticks (reported once while it lasts).
    public var key: String {
        "\(group.jid.rawValue)|\(setting.key)|" + wants.map { "\($0.source)=\(setting.ruleText($0.value))" }.joined(separator: ",")
    }
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
    /// The rule's `deliver_within` (rule steps only).
    public var deliverWithin: Duration = Rule.defaultDeliverWithin

    /// The action's name as in the rule language (`approve_requests`, `set_announcement`).
    public var name: String {
        switch step {
        case .rule(let action): action.kind.name
        case .setting(let change): change.actionName
        }
    }

    /// The decision this step makes, if it approves or rejects the rule's requests.
    public var decision: RequestDecision? {
        if case .rule(let action) = step { action.decision } else { nil }
    }

    public var isWrite: Bool {
        switch step {
        case .rule(let action): action.kind.isWrite
        case .setting: true
        }
    }
}
