import Foundation
import WadialModels
import YAML

/// Decodes entries of `rules:` and `policies:`.
struct RuleDecoder {
    static let ruleKeys = ["id", "description", "groups", "trigger", "if", "then", "mode", "priority", "max_actions_per_run", "enabled", "deliver_within"]
    static let policyKeys = ["id", "description", "groups", "mode", "ensure", "if", "enabled"]

    let context: DecodingContext
    let defaultTimezone: String

    func decodeRule(_ node: NodeRef, _ path: KeyPath, into file: inout RuleFile) -> Rule? {
        guard let fields = context.fields(node, path, what: "a rule", known: Self.ruleKeys, required: ["id", "groups", "trigger", "then"]) else {
            return nil
        }
        let id = fields["id"].flatMap { decodeID($0.value, path.key("id"), into: &file) }
        let description = fields["description"].flatMap { context.string($0.value, path.key("description")) }
        let groups = fields["groups"].flatMap { decodeTargets($0.value, path.key("groups"), into: &file) }
        let trigger = fields["trigger"].flatMap { decodeTrigger($0.value, path.key("trigger")) }
        var condition: Condition?
        var conditionOK = true
        if let field = fields["if"] {
            condition = decodeCondition(field.value, path.key("if"), trigger: trigger)
            conditionOK = condition != nil
        }
        let actions = fields["then"].flatMap { decodeActions($0.value, path.key("then"), trigger: trigger) }
        let mode = fields["mode"].map { context.choice($0.value, path.key("mode"), RuleMode.self) } ?? .enforce
        let priority = fields["priority"].map { context.int($0.value, path.key("priority"), in: -1_000_000...1_000_000) } ?? 0
        let limit = fields["max_actions_per_run"].map { context.int($0.value, path.key("max_actions_per_run"), in: 1...100_000) }
        let enabled = fields["enabled"].map { context.bool($0.value, path.key("enabled")) } ?? true
        let deliverWithin = fields["deliver_within"].map { context.duration($0.value, path.key("deliver_within"), minimum: .seconds(60)) } ?? Rule.defaultDeliverWithin
        guard let id, let groups, let trigger, conditionOK, let actions, let mode, let priority, let enabled, let deliverWithin else { return nil }
        if case .some(.none) = limit { return nil }
        return Rule(
            id: id, description: description, groups: groups, trigger: trigger, condition: condition, actions: actions,
            mode: mode, priority: priority, maxActionsPerRun: limit ?? nil, enabled: enabled, deliverWithin: deliverWithin,
            location: context.location(node.mark))
    }

    func decodePolicy(_ node: NodeRef, _ path: KeyPath, into file: inout RuleFile) -> Policy? {
        guard let fields = context.fields(node, path, what: "a policy", known: Self.policyKeys, required: ["id", "groups", "ensure"]) else {
            return nil
        }
        let id = fields["id"].flatMap { decodeID($0.value, path.key("id"), into: &file) }
        let description = fields["description"].flatMap { context.string($0.value, path.key("description")) }
        let groups = fields["groups"].flatMap { decodeTargets($0.value, path.key("groups"), into: &file) }
        let ensure = fields["ensure"].flatMap { decodeSettings($0.value, path.key("ensure"), what: "the settings to ensure") }
        let mode = fields["mode"].map { context.choice($0.value, path.key("mode"), RuleMode.self) } ?? .enforce
        let enabled = fields["enabled"].map { context.bool($0.value, path.key("enabled")) } ?? true
        var condition: Condition?
        if let field = fields["if"] {
            guard let decoded = decodeCondition(field.value, path.key("if"), trigger: nil) else { return nil }
            guard !decoded.concernsRequester else {
                context.report(field.keyMark, path.key("if"), "a policy's if: is about the group (member_count, setting, subject, time); "
                    + "number conditions are about a person asking to join and belong to a membership_requests rule")
                return nil
            }
            condition = decoded
        }
        guard let id, let groups, let ensure, let mode, let enabled else { return nil }
        return Policy(id: id, description: description, groups: groups, mode: mode, ensure: ensure, condition: condition, enabled: enabled,
                      location: context.location(node.mark))
    }

    /// Letters, digits, `-`, `_` and `.`, starting with a letter or digit, at most 64 characters:
    /// ids key the state store and appear in logs and metrics.
    private func decodeID(_ node: NodeRef, _ path: KeyPath, into file: inout RuleFile) -> String? {
        guard let id = context.nonEmptyString(node, path, what: "an id") else { return nil }
        let allowed = id.utf8.count <= 64 && id.utf8.first.map(ASCII.isAlphanumeric) == true
            && id.utf8.allSatisfy { ASCII.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        guard allowed else {
            let words = id.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
            let slug = String(words.joined(separator: "-").prefix(64))
            context.report(node.mark, path, "\"\(id.truncated)\" is not a valid id: use letters, digits, -, _ and . (at most 64, starting with a letter or digit)",
                           suggestion: slug.isEmpty ? nil : "for example \"\(slug)\"")
            return nil
        }
        file.idMarks.append((id, node.mark, path))
        return id
    }

    private func decodeTargets(_ node: NodeRef, _ path: KeyPath, into file: inout RuleFile) -> GroupTargets? {
        if node.scalar?.string == "*" { return .all }
        guard let items = context.list(node, path, what: "\"*\" or group names and JIDs", allowSingle: true) else { return nil }
        var references: [GroupReference] = []
        for (item, itemPath) in items {
            guard let text = context.nonEmptyString(item, itemPath, what: "a group name or JID") else { continue }
            if text == "*" {
                context.report(item.mark, itemPath, "\"*\" selects every group and cannot be part of a list", suggestion: "write groups: \"*\"")
            } else if text.utf8.contains(UInt8(ascii: "@")) {
                if let jid = GroupJID(text) {
                    references.append(.jid(jid))
                } else {
                    context.report(item.mark, itemPath, "\"\(text.truncated)\" is not a group JID; expected digits followed by @g.us")
                }
            } else {
                references.append(.named(text))
                file.groupNameUses.append((text, item.mark, itemPath))
            }
        }
        return references.count == items.count ? .some(references) : nil
    }

    /// The keys of `setting:` and `ensure:`: the settings of `GroupSetting`.
    func decodeSettings(_ node: NodeRef, _ path: KeyPath, what: String) -> GroupSettings? {
        let keys = GroupSetting.all.map(\.key)
        guard let fields = context.fields(node, path, what: what, known: keys) else { return nil }
        guard !fields.isEmpty else {
            context.report(node.mark, path, "expected at least one of \(keys.joined(separator: ", "))")
            return nil
        }
        var settings = GroupSettings()
        var ok = true
        for setting in GroupSetting.all {
            guard let field = fields[setting.key] else { continue }
            if let value = context.settingValue(field.value, path.key(setting.key), setting) {
                settings[setting.id] = value
            } else {
                ok = false
            }
        }
        return ok ? settings : nil
    }
}
