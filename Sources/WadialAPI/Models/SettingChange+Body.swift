public import WadialModels

extension SettingChange {
    /// The request body, in the setting's form (`GroupSetting.BodyForm`): `{setting, enabled}`
    /// or `{FIELD: VALUE}`.
    public var body: JSONValue {
        let json = JSONValue(value)
        switch setting.body {
        case .toggle(let name): return .object(["setting": .string(name), "enabled": json])
        case .field(let field): return .object([field: json])
        }
    }

    /// Reads a request body back (the sandbox's side of the same contract); nil when it is no
    /// setting's form or its value is not one the setting takes.
    public init?(body: JSONValue) {
        for setting in GroupSetting.all {
            let raw: JSONValue?
            switch setting.body {
            case .toggle(let name):
                raw = body["setting"]?.string == name ? body["enabled"] : nil
            case .field(let field):
                raw = body[field]
            }
            guard let raw else { continue }
            guard let scalar = raw.settingScalar, let value = setting.value(api: scalar) else { return nil }
            self.init(setting.id, value)
            return
        }
        return nil
    }
}

extension JSONValue {
    /// A setting's value as the API carries it: a boolean, a word, or a number of seconds.
    public init(_ value: SettingValue) {
        switch value {
        case .bool(let flag): self = .bool(flag)
        case .choice(let word): self = .string(word)
        case .seconds(let seconds): self = .number(Double(seconds))
        }
    }
}

extension GroupSetting {
    /// The body form in words, for error messages: `{setting: announcement, enabled}`, `memberAddMode`.
    public var bodyShape: String {
        switch body {
        case .toggle(let name): "{setting: \(name), enabled}"
        case .field(let field): field
        }
    }
}
