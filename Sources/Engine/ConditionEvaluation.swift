import Foundation
import Rules
import WadialAPI
import WadialModels

/// Conditions against a group (and a requester under `membership_requests`). Unknown facts make
/// a condition false: an unknown phone number fails every number condition but
/// `number_unknown: true`; an unknown member count or setting fails its condition.
struct ConditionContext {
    var group: Group
    var request: MembershipRequest?
    var now: Date
    /// Answers of time windows at `now`, shared by the conditions of one evaluation.
    var windows: TimeWindowMemo?

    func holds(_ condition: Condition) -> Bool {
        holds(condition, request.map(Requester.init) ?? .absent)
    }

    /// `condition` for a requester (passed in, so that evaluating the requests of a group does not
    /// copy each of them, nor the group, into a context of its own).
    func holds(_ condition: Condition, _ requester: Requester) -> Bool {
        switch condition {
        case .numberPrefix(let prefixes):
            guard case .number(let number) = requester else { return false }
            return prefixes.contains { $0.matches(number) }
        case .notNumberPrefix(let prefixes):
            guard case .number(let number) = requester else { return false }
            return !prefixes.contains { $0.matches(number) }
        case .numberUnknown(let unknown):
            switch requester {
            case .absent: return false
            case .unknownNumber: return unknown
            case .number: return !unknown
            }
        case .numbersFile(let file):
            guard case .number(let number) = requester else { return false }
            return file.numbers.contains(number)
        case .memberCount(let above, let below):
            guard let size = group.size else { return false }
            return (above.map { size > $0 } ?? true) && (below.map { size < $0 } ?? true)
        case .time(let window):
            return windows?.contains(window) ?? window.contains(now)
        case .setting(let desired):
            return Self.matches(group.settings, desired)
        case .subject(let pattern):
            guard let subject = group.subject else { return false }
            return SubjectPattern.matches(pattern, subject)
        case .any(let parts):
            // Loops, not `contains(where: holds)`: a closure over `self` copies the context per call.
            for part in parts where holds(part, requester) { return true }
            return false
        case .all(let parts):
            for part in parts where !holds(part, requester) { return false }
            return true
        case .not(let inner):
            return !holds(inner, requester)
        }
    }

    /// True when every setting `desired` names is known and equal.
    static func matches(_ current: GroupSettings, _ desired: GroupSettings) -> Bool {
        current.contains(desired)
    }

    /// Why a condition does or does not hold, for `explain` and `plan`.
    func explain(_ condition: Condition) -> String {
        switch condition {
        case .numberPrefix(let prefixes), .notNumberPrefix(let prefixes):
            let list = prefixes.map(\.description).joined(separator: ", ")
            return "number \(numberDescription) vs prefixes \(list)"
        case .numberUnknown, .numbersFile:
            return "number \(numberDescription)"
        case .memberCount:
            return "member count \(group.size.map(String.init) ?? "unknown")"
        case .time(let window):
            return window.describe(now)
        case .setting:
            return "settings \(group.settings)"
        case .subject:
            return "subject \(group.subject.map { "\"" + TextEscaping.visible($0) + "\"" } ?? "unknown")"
        case .any, .all, .not:
            return "combination"
        }
    }

    var numberDescription: String {
        guard let request else { return "n/a" }
        if let number = request.phoneNumber { return number.description }
        return request.jid.kind == .lid ? "unknown (@lid without phone)" : "unknown"
    }
}

/// What a condition reads of a requester: all of it is the phone number, and whether there is a
/// requester at all (group-level rules have none: every number condition fails for them).
enum Requester {
    case absent
    /// A requester whose number is not known (`@lid` without a phone): fails closed.
    case unknownNumber
    case number(PhoneNumber)

    init(_ request: MembershipRequest) {
        self = request.phoneNumber.map(Requester.number) ?? .unknownNumber
    }
}

/// Whether each time window contains one instant, worked out once: a window's answer does not
/// depend on the group or the requester, and working it out reads the time zone database.
final class TimeWindowMemo {
    let now: Date
    /// A rule set has few windows: found by comparison (equal windows share their strings, so it
    /// is cheap), which costs less than hashing a window's fields on every condition check.
    private var answers: [(window: TimeWindow, holds: Bool)] = []

    init(now: Date) {
        self.now = now
    }

    func contains(_ window: TimeWindow) -> Bool {
        for answer in answers where answer.window == window { return answer.holds }
        let holds = window.contains(now)
        answers.append((window, holds))
        return holds
    }
}

extension GroupSettings {
    /// One setting that `desired` names, with the value known here (nil when unknown).
    struct Difference {
        let setting: GroupSetting
        let current: SettingValue?
        let desired: SettingValue
        var change: SettingChange { SettingChange(setting.id, desired) }
        var differs: Bool { current != desired }
    }

    /// Each setting of `desired` (table rows, as `GroupSettings.known` gives them, worked out once per
    /// policy), against these settings.
    func differences(from desired: [(setting: GroupSetting, value: SettingValue)]) -> [Difference] {
        desired.map { Difference(setting: $0.setting, current: self[$0.setting.id], desired: $0.value) }
    }
}
