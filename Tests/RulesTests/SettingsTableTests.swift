import Foundation
import Testing
import WadialModels
@testable import Rules

/// Every row of the settings table, every value it takes: the loader reads it in an action, a
/// policy and a condition, and the schema offers it in each of those places.
struct SettingsTableTests {
    static let cases = GroupSetting.all.flatMap { setting in setting.valueNames.map { (setting.id, $0) } }

    @Test(arguments: cases)
    func theLoaderAcceptsEveryValueOfEverySetting(_ id: GroupSetting.ID, _ text: String) throws {
        let setting = id.setting
        let value = try #require(setting.value(ruleText: text))
        // Quoted, so that `off` and `24h` stay strings; booleans bare.
        let written = setting.values == .boolean ? text : "\"\(text)\""
        let set = try RuleLoader(environment: [:]).load([.init(name: "t.yaml", text: """
            version: 1
            rules:
              - id: r
                groups: "*"
                trigger: { member_count: { above: 10 } }
                if: { setting: { \(setting.key): \(written) } }
                then:
                  - \(setting.action): \(written)
            policies:
              - { id: p, groups: "*", ensure: { \(setting.key): \(written) } }
            """)])
        #expect(set.rules[0].actions == [.setting(SettingChange(id, value))])
        #expect(set.rules[0].condition == .setting([id: value]))
        #expect(set.policies[0].ensure == [id: value])
        #expect(setting.ruleText(value) == text)
    }

    @Test(arguments: GroupSetting.all.map(\.id))
    func aValueTheSettingDoesNotTakeIsAnErrorNamingTheValues(_ id: GroupSetting.ID) {
        let setting = id.setting
        do {
            _ = try RuleLoader(environment: [:]).load([.init(name: "t.yaml", text: """
                version: 1
                policies:
                  - { id: p, groups: "*", ensure: { \(setting.key): "sometimes" } }
                """)])
            Issue.record("\"sometimes\" loaded as a value of \(setting.key)")
        } catch {
            let message = error.problems.first?.message ?? ""
            #expect(setting.valueNames.allSatisfy { message.contains($0) }, "\(message)")
        }
    }

    @Test func theSchemaOffersEveryValueOfEverySettingWhereTheLoaderTakesIt() throws {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(RuleSchema.json().utf8)) as? [String: Any])
        let properties = root["properties"] as? [String: Any]
        let definitions = root["$defs"] as? [String: Any]
        let ensure = ((((properties?["policies"] as? [String: Any])?["items"] as? [String: Any])?["properties"] as? [String: Any])?["ensure"] as? [String: Any])?["properties"] as? [String: Any]
        let condition = ((((definitions?["condition"] as? [String: Any])?["properties"] as? [String: Any])?["setting"] as? [String: Any])?["properties"]) as? [String: Any]
        let actions = (definitions?["action"] as? [String: Any])?["oneOf"] as? [[String: Any]] ?? []
        func values(_ schema: Any?) -> [String] {
            let object = schema as? [String: Any] ?? [:]
            if object["type"] as? String == "boolean" { return ["true", "false"] }
            return object["enum"] as? [String] ?? []
        }
        for setting in GroupSetting.all {
            #expect(values(ensure?[setting.key]) == setting.valueNames, "ensure.\(setting.key)")
            #expect(values(condition?[setting.key]) == setting.valueNames, "setting.\(setting.key)")
            let action = actions.compactMap { ($0["properties"] as? [String: Any])?[setting.action] }.first
            #expect(values(action) == setting.valueNames, "\(setting.action)")
        }
    }
}
