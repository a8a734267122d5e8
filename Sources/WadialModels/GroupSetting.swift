/// One group setting, described once: its key in the rule language, the action that sets it, the
/// values it takes, how the API's settings call carries a change, and the field names the API's
/// listing and metadata may give it.
///
/// Every place that reads, writes, checks or shows a setting reads this table: the rule decoder
/// and schema, conditions, policies and drift, the snapshot's "is it known", the executor, the
/// sandbox and its world files, and `api settings`. Adding a setting is one case of `ID` and its
/// row in `ID.setting`, plus what the sandbox does with it.
public struct GroupSetting: Sendable, Hashable, CustomStringConvertible {
    /// The settings, in the order they are listed, checked and shown.
    public enum ID: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case announcement
        case locked
        case memberAddMode = "member_add_mode"
        case memberLinkMode = "member_link_mode"
        case historySharing = "history_sharing"
        case ephemeral
        case membershipApproval = "membership_approval"

        /// The table: one row per setting.
        public var setting: GroupSetting {
            switch self {
            case .announcement:
                GroupSetting(self, .boolean, body: .toggle("announcement"), fields: ["announce", "announcement", "isAnnounce"],
                             summary: "true: only admins send messages")
            case .locked:
                GroupSetting(self, .boolean, body: .toggle("locked"), fields: ["restrict", "locked", "isLocked"],
                             summary: "true: only admins edit the group's info")
            case .memberAddMode:
                GroupSetting(self, .choice(["admin_add", "all_member_add"]), body: .field("memberAddMode"), fields: ["memberAddMode"],
                             summary: "who may add members")
            case .memberLinkMode:
                GroupSetting(self, .choice(["admin_link", "all_member_link"]), body: .field("memberLinkMode"), fields: ["memberLinkMode"],
                             summary: "who may approve joins through the invite link")
            case .historySharing:
                GroupSetting(self, .choice(["all_member_share", "admin_share"]), body: .field("memberShareGroupHistoryMode"),
                             fields: ["memberShareGroupHistoryMode"], summary: "who may share recent history with new members")
            case .ephemeral:
                GroupSetting(self, .duration([.init("off", 0), .init("24h", 86_400), .init("7d", 604_800), .init("90d", 7_776_000)]),
                             body: .field("ephemeralDurationSeconds"), fields: ["ephemeralDurationSeconds", "ephemeralDuration", "ephemeral"],
                             summary: "disappearing messages")
            case .membershipApproval:
                // Sent in the boolean form the other toggles use (our reading of the API's
                // documentation); read from whichever field the metadata has, "on"/"off" too.
                GroupSetting(self, .boolean, body: .toggle("membership_approval"), fields: ["joinApprovalMode", "membershipApproval", "approvalRequired"],
                             summary: "true: joining needs an admin's approval (join requests); false: anyone with the link joins at once")
            }
        }

        public static func < (lhs: ID, rhs: ID) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// The values a setting takes.
    public enum Values: Sendable, Hashable {
        /// `true` or `false`.
        case boolean
        /// One of these words, spelled alike in the rule language and the API (the API's
        /// `ADMIN_ADD` and `adminAdd` are read as `admin_add`).
        case choice([String])
        /// One of these named durations in the rule language; seconds in the API.
        case duration([NamedDuration])
    }

    public struct NamedDuration: Sendable, Hashable {
        public let name: String
        public let seconds: Int

        public init(_ name: String, _ seconds: Int) {
            self.name = name
            self.seconds = seconds
        }
    }

    /// How `PATCH /groups/{jid}/settings` carries a change of the setting.
    public enum BodyForm: Sendable, Hashable {
        /// `{"setting": NAME, "enabled": B}`.
        case toggle(String)
        /// `{FIELD: VALUE}`: a choice as its word, a duration as a number of seconds.
        case field(String)
    }

    public let id: ID
    public let values: Values
    public let body: BodyForm
    /// The names the API's group listing and metadata may use, in order of preference.
    public let fields: [String]
    /// One line for help texts and the schema.
    public let summary: String

    init(_ id: ID, _ values: Values, body: BodyForm, fields: [String], summary: String) {
        self.id = id
        self.values = values
        self.body = body
        self.fields = fields
        self.summary = summary
    }

    /// Every setting, in table order.
    public static let all: [GroupSetting] = ID.allCases.map(\.setting)

    /// The setting with this rule-language key (`member_add_mode`).
    public static func named(_ key: String) -> GroupSetting? { ID(rawValue: key)?.setting }

    /// The key in `ensure:`, `setting:`, world files and `api settings` (as `--member-add-mode`).
    public var key: String { id.rawValue }
    /// The rule action that sets it: `set_member_add_mode`.
    public var action: String { "set_" + id.rawValue }
    public var description: String { key }

    /// The values as the rule language writes them: `true, false`, `admin_add, all_member_add`, `off, 24h, 7d, 90d`.
    public var valueNames: [String] {
        switch values {
        case .boolean: ["true", "false"]
        case .choice(let words): words
        case .duration(let named): named.map(\.name)
        }
    }

    /// A value as written in a rule: `true`, a word, or a named duration; nil when not one of them.
    public func value(ruleText text: String) -> SettingValue? {
        switch values {
        case .boolean: text == "true" ? .bool(true) : (text == "false" ? .bool(false) : nil)
        case .choice(let words): words.contains(text) ? .choice(text) : nil
        case .duration(let named): named.first { $0.name == text }.map { .seconds($0.seconds) }
        }
    }

    /// As `value(ruleText:)`, and also what `ruleText` writes for a duration without a name
    /// (`3600s`): a value printed by `api` reads back.
    public func value(printed text: String) -> SettingValue? {
        if let value = value(ruleText: text) { return value }
        guard case .duration = values, text.hasSuffix("s"), let seconds = Int(text.dropLast()), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }

    /// A value as the API gives it: a boolean, a word in any of WhatsApp's spellings, or seconds.
    public func value(api: APIScalar) -> SettingValue? {
        switch (values, api) {
        case (.boolean, .bool(let flag)): .bool(flag)
        // As the API's other booleans are read: 1 and 0, "true" and "false".
        case (.boolean, .number(let number)): .bool(number != 0)
        case (.boolean, .string("true")): .bool(true)
        case (.boolean, .string("false")): .bool(false)
        case (.boolean, .string("on")): .bool(true)
        case (.boolean, .string("off")): .bool(false)
        case (.choice(let words), .string(let text)): words.contains(Self.normalizedWord(text)) ? .choice(Self.normalizedWord(text)) : nil
        case (.duration, .number(let seconds)): seconds >= 0 ? .seconds(seconds) : nil
        case (.duration, .string(let text)): Int(text).flatMap { $0 >= 0 ? .seconds($0) : nil }
        default: nil
        }
    }

    /// Whether `value` is of this setting's kind (a boolean for a toggle, one of its words, seconds).
    public func accepts(_ value: SettingValue) -> Bool {
        switch (values, value) {
        case (.boolean, .bool): true
        case (.choice(let words), .choice(let word)): words.contains(word)
        case (.duration, .seconds(let seconds)): seconds >= 0
        default: false
        }
    }

    /// A value as the state store keeps it (a policy's reported drift): `true`, `admin_add`, and a
    /// duration as its seconds (`604800`), the form earlier versions wrote.
    public func storedText(_ value: SettingValue) -> String {
        switch value {
        case .bool(let flag): String(flag)
        case .choice(let word): word
        case .seconds(let seconds): String(seconds)
        }
    }

    /// A value in the rule language's words: `true`, `admin_add`, `7d` (`3600s` for a duration
    /// that has no name).
    public func ruleText(_ value: SettingValue) -> String {
        switch value {
        case .bool(let flag): String(flag)
        case .choice(let word): word
        case .seconds(let seconds):
            if case .duration(let named) = values, let name = named.first(where: { $0.seconds == seconds })?.name { name } else { "\(seconds)s" }
        }
    }

    /// An example of the action, for error messages: `set_member_add_mode: admin_add`.
    public var example: String {
        let value = switch values {
        case .boolean: "true"
        case .choice(let words): words.first ?? ""
        case .duration(let named): (named.first { $0.seconds > 0 } ?? named.first)?.name ?? ""
        }
        return "\(action): \(value)"
    }

    /// `ADMIN_ADD`, `adminAdd` and `admin_add` all become `admin_add`.
    static func normalizedWord(_ text: String) -> String {
        var result = ""
        let mixedCase = text.contains(where: \.isLowercase)
        for character in text {
            if character.isUppercase, !result.isEmpty, result.last != "_", mixedCase { result.append("_") }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }

    /// The shapes of scalar the API may send for a setting (the API client reads its JSON into these).
    public enum APIScalar: Sendable, Hashable {
        case bool(Bool)
        case string(String)
        case number(Int)
    }
}

/// A setting's value: a boolean, a word, or a number of seconds.
public enum SettingValue: Sendable, Hashable, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral {
    case bool(Bool)
    case choice(String)
    case seconds(Int)

    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .choice(value) }
}
