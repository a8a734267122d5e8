/// A group's settings as far as they are known (from the API, or as a policy or condition names
/// them); a setting not present is unknown, or not looked at.
public struct GroupSettings: Sendable, Hashable, Codable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    private var values: [GroupSetting.ID: SettingValue]

    public init(_ values: [GroupSetting.ID: SettingValue] = [:]) {
        self.values = values
    }

    public typealias Key = GroupSetting.ID
    public typealias Value = SettingValue

    public init(dictionaryLiteral elements: (GroupSetting.ID, SettingValue)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    public subscript(_ id: GroupSetting.ID) -> SettingValue? {
        get { values[id] }
        set { values[id] = newValue }
    }

    /// The settings present, in table order.
    public var known: [(setting: GroupSetting, value: SettingValue)] {
        GroupSetting.all.compactMap { setting in values[setting.id].map { (setting, $0) } }
    }

    public var isEmpty: Bool { values.isEmpty }

    /// Whether every setting `desired` names is known here and has its value (without building
    /// the table rows `known` returns: a `setting:` condition asks this per rule and request).
    public func contains(_ desired: GroupSettings) -> Bool {
        for (id, value) in desired.values {
            guard let current = values[id], current == value else { return false }
        }
        return true
    }

    /// These settings, with the ones `newer` knows taking its values.
    public func merging(_ newer: GroupSettings) -> GroupSettings {
        GroupSettings(values.merging(newer.values) { $1 })
    }

    /// `announcement=false locked=true ephemeral=7d`, in table order.
    public var description: String {
        known.map { "\($0.setting.key)=\($0.setting.ruleText($0.value))" }.joined(separator: " ")
    }

    // Coded by rule-language key and value (`"ephemeral": "7d"`), as `api` prints it.
    private struct CodingName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingName.self)
        var values: [GroupSetting.ID: SettingValue] = [:]
        for setting in GroupSetting.all where container.contains(CodingName(stringValue: setting.key)) {
            let key = CodingName(stringValue: setting.key)
            let value: SettingValue?
            switch setting.values {
            case .boolean: value = .bool(try container.decode(Bool.self, forKey: key))
            case .choice, .duration: value = setting.value(printed: try container.decode(String.self, forKey: key))
            }
            guard let value else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a value of \(setting.key)")
            }
            values[setting.id] = value
        }
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingName.self)
        for (setting, value) in known {
            if case .bool(let flag) = value {
                try container.encode(flag, forKey: CodingName(stringValue: setting.key))
            } else {
                try container.encode(setting.ruleText(value), forKey: CodingName(stringValue: setting.key))
            }
        }
    }
}

/// One change of a group setting, as a rule action or a policy's correction makes it and as
/// `PATCH /groups/{jid}/settings` carries it.
public struct SettingChange: Sendable, Hashable, CustomStringConvertible {
    public let id: GroupSetting.ID
    public let value: SettingValue

    /// Values are checked where they come in (rules, request bodies, world files, flags):
    /// `GroupSetting.accepts`.
    public init(_ id: GroupSetting.ID, _ value: SettingValue) {
        self.id = id
        self.value = value
    }

    public var setting: GroupSetting { id.setting }
    /// The rule action that makes it: `set_announcement`.
    public var actionName: String { setting.action }
    /// `announcement=true`, `ephemeral=7d`: for logs, the journal and the audit trail.
    public var description: String { "\(setting.key)=\(setting.ruleText(value))" }
}
