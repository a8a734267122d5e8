import Foundation
import Sandbox
import SandboxTesting
import Testing
import WadialAPI
import WadialModels

/// Every row of the settings table, every value it takes, through the API contract: the body the
/// client sends reads back as the same change, the sandbox applies it, and its listing and
/// metadata report it in both of the sandbox's field styles.
struct SettingsTableTests {
    static let changes = GroupSetting.all.flatMap { setting in
        setting.valueNames.compactMap { setting.value(ruleText: $0).map { SettingChange(setting.id, $0) } }
    }

    @Test(arguments: changes)
    func everyChangeRoundTripsItsBody(_ change: SettingChange) {
        #expect(SettingChange(body: change.body) == change)
    }

    @Test(arguments: Implementation.allCases, SandboxWorld.FieldStyle.allCases)
    func theSandboxAppliesAndReportsEveryValueOfEverySetting(_ implementation: Implementation, _ style: SandboxWorld.FieldStyle) async throws {
        let world = demoWorld()
        let check: @Sendable (any WadialClient) async throws -> Void = { client in
            for change in Self.changes {
                try await client.updateSetting(session: session, support, change)
                #expect(await world.group(support)?.settings[change.id] == change.value, "\(change)")
                let listed = try await client.listGroups(session: session).first { $0.jid == support }
                #expect(listed?.settings[change.id] == change.value, "listed \(change)")
                #expect(try await client.group(session: session, support).settings[change.id] == change.value, "metadata \(change)")
            }
        }
        switch implementation {
        case .http: try await withSandboxServer(world: world, style: style) { client, _ in try await check(client) }
        case .inMemory: try await check(SandboxClient(world: world, style: style))
        }
    }

    @Test func aBodyWithAValueTheSettingDoesNotTakeIsRefused() {
        #expect(SettingChange(body: .object(["memberAddMode": .string("everyone_add")])) == nil)
        #expect(SettingChange(body: .object(["setting": .string("announcement"), "enabled": .string("yes")])) == nil)
        #expect(SettingChange(body: .object(["ephemeralDurationSeconds": .number(-5)])) == nil)
        #expect(SettingChange(body: .object(["setting": .string("teleport"), "enabled": .bool(true)])) == nil)
    }
}
