import Foundation
import WadialModels

/// A JSON Schema (draft 2020-12) of the rule language, for editor completion and checks.
///
/// Built from the same key tables the loader uses, so a key the loader accepts is in the schema.
/// The schema describes shapes; `check` remains the authority on meaning (cron fields, group
/// names, combinations).
public enum RuleSchema {
    typealias Object = [String: Any]

    public static func json() -> String {
        let data = (try? JSONSerialization.data(withJSONObject: document(), options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static let durationPattern = "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
    static let clockPattern = "^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$"

    static func closed(_ properties: Object, required: [String] = [], description: String? = nil) -> Object {
        var object: Object = ["type": "object", "properties": properties, "additionalProperties": false]
        if !required.isEmpty { object["required"] = required }
        if let description { object["description"] = description }
        return object
    }

    static func ref(_ name: String) -> Object { ["$ref": "#/$defs/\(name)"] }
    static func oneKey(_ key: String, _ value: Object) -> Object { closed([key: value], required: [key]) }
    static func choice(_ values: [String], _ description: String? = nil) -> Object {
        var object: Object = ["enum": values]
        if let description { object["description"] = description }
        return object
    }
    static func integer(minimum: Int) -> Object { ["type": "integer", "minimum": minimum] }
    static var string: Object { ["type": "string"] }
    static var boolean: Object { ["type": "boolean", "description": "true or false (yes/no/on/off are strings)"] }

    static func stringOrList(_ item: Object) -> Object {
        ["anyOf": [item, ["type": "array", "items": item, "minItems": 1]]]
    }

    /// A setting's values: a boolean, or one of its words.
    static func value(_ setting: GroupSetting) -> Object {
        guard setting.values != .boolean else { return ["type": "boolean", "description": "\(setting.summary) (true or false; yes/no/on/off are strings)"] }
        return choice(setting.valueNames, setting.summary)
    }

    static func document() -> Object {
        var settingsValues: Object = [:]
        for setting in GroupSetting.all { settingsValues[setting.key] = value(setting) }
        let conditionProperties: Object = [
            "number_prefix": stringOrList(ref("prefix")),
            "not_number_prefix": stringOrList(ref("prefix")),
            "number_unknown": boolean,
            "numbers_file": ["type": "string", "description": "one phone number a line, # comments; relative to the rule file"],
            "member_count": closed(["above": integer(minimum: 0), "below": integer(minimum: 1)]),
            "time": closed([
                "after": ["type": "string", "pattern": clockPattern],
                "before": ["type": "string", "pattern": clockPattern],
                "weekdays": stringOrList(choice(Weekday.allCases.map(\.name) + Weekday.allCases.map(\.fullName))),
                "timezone": ref("timezone"),
            ]),
            "setting": closed(settingsValues),
            "subject": ["type": "string", "description": "regular expression searched in the group subject"],
            "any": ["type": "array", "items": ref("condition"), "minItems": 1],
            "all": ["type": "array", "items": ref("condition"), "minItems": 1],
            "not": ref("condition"),
        ]
        // A policy's `if:`: conditions about the group only.
        var groupConditionProperties = conditionProperties.filter { !Condition.requesterNames.contains($0.key) }
        for key in ["any", "all"] { groupConditionProperties[key] = ["type": "array", "items": ref("groupCondition"), "minItems": 1] }
        groupConditionProperties["not"] = ref("groupCondition")
        let triggerProperties: Object = [
            "membership_requests": ["anyOf": [["type": "null"], closed(["pending_for": ref("duration")])]],
            "member_count": closed([
                "above": integer(minimum: 0), "below": integer(minimum: 1),
                "for": ref("duration"), "rearm": integer(minimum: 0),
            ]),
            "schedule": closed([
                "cron": ["type": "string", "description": "5 fields, or @hourly @daily @weekly @monthly"],
                "every": ref("duration"),
                "timezone": ref("timezone"),
                "missed": choice(ScheduleTrigger.Missed.allCases.map(\.rawValue)),
            ]),
        ]
        var actionForms: [Object] = []
        for kind in Action.Kind.allCases {
            let value: Object? =
                switch kind {
                case .decide, .rotateInvite, .leaveGroup: nil
                case .setting(let id): value(id.setting)
                case .updateProfile: closed(["subject": ref("template"), "description": ref("template")])
                case .participants:
                    closed(
                        ["action": choice(ParticipantOperation.allCases.map(\.rawValue)), "numbers": stringOrList(string)],
                        required: ["action", "numbers"])
                case .webhook:
                    closed(
                        ["url": ref("template"), "body": ref("template"), "headers": ["type": "object", "additionalProperties": string]],
                        required: ["url"])
                case .log: ref("template")
                }
            if let value {
                actionForms.append(oneKey(kind.name, value))
            } else {
                actionForms.append(["const": kind.name])
                actionForms.append(oneKey(kind.name, ["anyOf": [["type": "null"], closed([:])]]))
            }
        }
        let groups: Object = ["anyOf": [["const": "*"], stringOrList(string)], "description": "\"*\", selector names from groups:, or group JIDs"]
        let rule = closed(
            [
                "id": ref("id"), "description": string, "groups": groups,
                "trigger": ["type": "object", "properties": triggerProperties, "additionalProperties": false, "minProperties": 1, "maxProperties": 1],
                "if": ref("condition"),
                "then": ["type": "array", "items": ref("action"), "minItems": 1],
                "mode": choice(RuleMode.allCases.map(\.rawValue)),
                "priority": ["type": "integer"],
                "max_actions_per_run": integer(minimum: 1),
                "enabled": boolean,
                "deliver_within": ref("duration"),
            ], required: ["id", "groups", "trigger", "then"])
        let policy = closed(
            [
                "id": ref("id"), "description": string, "groups": groups, "mode": choice(RuleMode.allCases.map(\.rawValue)),
                "ensure": closed(settingsValues), "enabled": boolean, "if": ref("groupCondition"),
            ], required: ["id", "groups", "ensure"])
        let settings = closed([
            "poll_interval": ref("duration"),
            "timezone": ref("timezone"),
            "limits": closed([
                "mutations_per_minute": integer(minimum: 1),
                "requests_per_minute": integer(minimum: 1),
                "max_actions_per_run": integer(minimum: 1),
            ]),
            "lease": closed(["duration": ref("duration"), "margin": ref("duration")]),
            "retention": closed(["audit": ref("duration"), "journal": ref("duration"), "acted": ref("duration")]),
        ])
        let selector = closed(
            ["jids": stringOrList(ref("groupJID")), "subject": string, "exclude": stringOrList(ref("groupJID")),
             "kind": stringOrList(choice(GroupKind.allCases.map(\.rawValue)))])
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://wadial-rules.example/schema/rules-v1.json",
            "title": "wadial-rules rule file (version 1)",
            "type": "object",
            "additionalProperties": false,
            "required": ["version"],
            "properties": [
                "version": ["const": 1],
                "settings": settings,
                "sessions": stringOrList(string),
                "groups": ["type": "object", "additionalProperties": selector],
                "rules": ["type": "array", "items": rule],
                "policies": ["type": "array", "items": policy],
            ] as Object,
            "$defs": [
                "duration": ["type": "string", "pattern": durationPattern, "description": "45s, 10m, 6h, 7d, 1h30m"],
                "timezone": ["type": "string", "description": "IANA name, e.g. Europe/Berlin"],
                "prefix": ["type": ["string", "integer"], "description": "\"+1\", \"+44 20\", \"0049\""],
                "groupJID": ["type": "string", "pattern": "^[0-9]+(-[0-9]+)?@g\\.us$"],
                "id": ["type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"],
                "template": ["type": "string", "description": "text with {{\(Template.variables.joined(separator: "}}, {{"))}}"],
                "condition": ["type": "object", "properties": conditionProperties, "additionalProperties": false, "minProperties": 1],
                "groupCondition": ["type": "object", "properties": groupConditionProperties, "additionalProperties": false, "minProperties": 1],
                "action": ["oneOf": actionForms],
            ] as Object,
        ]
    }
}
