import Foundation
import Sandbox
import Testing
import WadialAPI
import WadialModels

/// One contract, two implementations: the HTTP client against the sandbox server over real
/// sockets, and the in-process sandbox client.
struct ClientContractTests {
    @Test(arguments: Implementation.allCases)
    func sessionStatusAndReconnect(_ implementation: Implementation) async throws {
        let world = demoWorld()
        try await withClient(implementation, world: world) { client in
            #expect(try await client.sessionStatus(session: session).connected)
            #expect(try await client.sessionStatus(session: "offline").connected == false)
            try await client.reconnect(session: "offline")
            #expect(try await client.sessionStatus(session: "offline").connected)
        }
    }

    @Test(arguments: Implementation.allCases)
    func listAndReadGroups(_ implementation: Implementation) async throws {
        try await withClient(implementation, world: demoWorld()) { client in
            let groups = try await client.listGroups(session: session)
            #expect(groups.map(\.jid) == [support, regional])
            #expect(groups.map(\.subject) == ["Support", "Region North"])
            #expect(groups.map(\.size) == [120, 40])
            #expect(groups[0].settings[.announcement] == false)
            #expect(groups[0].settings[.memberAddMode] == "admin_add")
            let metadata = try await client.group(session: session, support)
            #expect(metadata.description == "Help desk")
            #expect(metadata.participants?.first?.role == .superadmin)
            #expect(metadata.size == 120)
        }
    }

    @Test(arguments: Implementation.allCases)
    func createGroupAndUpdateProfile(_ implementation: Implementation) async throws {
        try await withClient(implementation, world: demoWorld()) { client in
            let created = try await client.createGroup(session: session, subject: "New", participants: [us, uk], description: "fresh")
            #expect(created.subject == "New")
            #expect(created.size == 3)
            try await client.updateProfile(session: session, created.jid, subject: "Renamed", description: nil)
            try await client.updateProfile(session: session, created.jid, subject: nil, description: "Now described")
            let metadata = try await client.group(session: session, created.jid)
            #expect(metadata.subject == "Renamed")
            #expect(metadata.description == "Now described")
            await #expect(throws: WadialError.invalidRequest("update_profile needs a subject or a description")) {
                try await client.updateProfile(session: session, created.jid, subject: nil, description: nil)
            }
        }
    }

    @Test(arguments: Implementation.allCases)
    func participants(_ implementation: Implementation) async throws {
        try await withClient(implementation, world: demoWorld()) { client in
            let added = try await client.updateParticipants(session: session, support, .add, [us])
            #expect(added.array?.first?["status"]?.int == 200)
            _ = try await client.updateParticipants(session: session, support, .promote, [us])
            var roles = try await client.group(session: session, support).participants ?? []
            #expect(roles.first { $0.jid == us }?.role == .admin)
            _ = try await client.updateParticipants(session: session, support, .demote, [us])
            roles = try await client.group(session: session, support).participants ?? []
            #expect(roles.first { $0.jid == us }?.role == .member)
            let removed = try await client.updateParticipants(session: session, support, .remove, [us, uk])
            #expect(removed.array?.compactMap { $0["status"]?.int } == [200, 404])
            #expect(try await client.group(session: session, support).size == 120)
        }
    }

    @Test(arguments: Implementation.allCases)
    func everySettingsForm(_ implementation: Implementation) async throws {
        try await withClient(implementation, world: demoWorld()) { client in
            for change in [SettingChange(.announcement, true), SettingChange(.locked, true), SettingChange(.memberAddMode, "all_member_add"), SettingChange(.memberLinkMode, "all_member_link"),
                           SettingChange(.historySharing, "admin_share"), SettingChange(.ephemeral, .seconds(604_800)), SettingChange(.membershipApproval, false)] {
                try await client.updateSetting(session: session, support, change)
            }
            let settings = try await client.group(session: session, support).settings
            #expect(settings == GroupSettings([.announcement: true, .locked: true, .memberAddMode: "all_member_add", .memberLinkMode: "all_member_link", .historySharing: "admin_share", .ephemeral: .seconds(604_800), .membershipApproval: false]))
        }
    }

    @Test func withMembershipApprovalOffAJoinByLinkMakesAMemberAndNoRequest() async throws {
        let world = demoWorld()
        await world.apply(.request(support, .init(jid: UserJID("15550009999@s.whatsapp.net")!, requestedAt: Date())))
        #expect(await world.group(support)?.requests.contains { $0.jid.rawValue == "15550009999@s.whatsapp.net" } == true)
        let client = SandboxClient(world: world)
        try await client.updateSetting(session: session, support, SettingChange(.membershipApproval, false))
        await world.apply(.request(support, .init(jid: UserJID("15550008888@s.whatsapp.net")!, requestedAt: Date())))
        let group = try #require(await world.group(support))
        #expect(!group.requests.contains { $0.jid.rawValue == "15550008888@s.whatsapp.net" })
        #expect(group.members.contains { $0.jid.rawValue == "15550008888@s.whatsapp.net" })
        // Read back tolerantly: "on"/"off" and the other field names.
        #expect(GroupSetting.ID.membershipApproval.setting.value(api: .string("off")) == .bool(false))
        #expect(GroupSetting.ID.membershipApproval.setting.value(api: .string("on")) == .bool(true))
        #expect(GroupSetting.ID.membershipApproval.setting.fields == ["joinApprovalMode", "membershipApproval", "approvalRequired"])
    }

    @Test(arguments: Implementation.allCases)
    func invites(_ implementation: Implementation) async throws {
        try await withClient(implementation, world: demoWorld()) { client in
            let first = try await client.inviteCode(session: session, support)
            #expect(first.link == "https://chat.whatsapp.com/" + first.code)
            #expect(try await client.previewInvite(session: session, code: first.code)["subject"]?.string == "Support")
            let rotated = try await client.revokeInvite(session: session, support)
            #expect(rotated.code != first.code)
            #expect(try await client.inviteCode(session: session, support) == rotated)
            await #expect { try await client.previewInvite(session: session, code: first.code) } throws: { error in
                (error as? WadialError)?.status == 404
            }
            let joined = try await client.joinByInvite(session: session, code: rotated.link)
            #expect(joined["groupJid"]?.string == support.rawValue)
            try await client.leave(session: session, [support])
        }
    }

    @Test(arguments: Implementation.allCases)
    func membershipRequestsFailClosedOnUnknownNumbers(_ implementation: Implementation) async throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        try await withClient(implementation, world: demoWorld(now: now)) { client in
            let requests = try await client.membershipRequests(session: session, support)
            #expect(requests.map(\.jid) == [us, uk, lidWithPhone, lidWithoutPhone, lidEchoingItself])
            #expect(requests.map(\.phoneNumber?.digits) == ["15551234567", "447700900123", "4915123456789", nil, nil])
            #expect(requests[0].requestedAt == now.addingTimeInterval(-3600))
        }
    }

    @Test(arguments: Implementation.allCases)
    func decidingRequests(_ implementation: Implementation) async throws {
        let world = demoWorld()
        try await withClient(implementation, world: world) { client in
            let approved = try await client.decideRequests(session: session, support, .approve, [us, lidWithPhone])
            #expect(approved.array?.compactMap { $0["status"]?.int } == [200, 200])
            _ = try await client.decideRequests(session: session, support, .reject, [uk])
            _ = try await client.decideRequests(session: session, support, .cancel, [lidWithoutPhone])
            let again = try await client.decideRequests(session: session, support, .approve, [us])
            #expect(again.array?.first?["status"]?.int == 404)
            #expect(try await client.membershipRequests(session: session, support).map(\.jid) == [lidEchoingItself])
            let group = try await client.group(session: session, support)
            #expect(group.size == 122)
            #expect(group.participants?.contains { $0.jid == us } == true)
            #expect(group.participants?.contains { $0.jid == uk } == false)
        }
    }

    @Test(arguments: Implementation.allCases)
    func errorsCarryStatusCodeAndMessage(_ implementation: Implementation) async throws {
        try await withClient(implementation, world: demoWorld()) { client in
            let unknownGroup = GroupJID("120363999999999999@g.us")!
            await #expect(throws: WadialError.status(404, code: "NOT_FOUND", message: "group 120363999999999999@g.us not found")) {
                try await client.group(session: session, unknownGroup)
            }
            await #expect(throws: WadialError.status(404, code: "NOT_FOUND", message: "session nobody not found")) {
                try await client.listGroups(session: "nobody")
            }
            await #expect(throws: WadialError.status(409, code: "SESSION_NOT_CONNECTED", message: "session offline is not connected")) {
                try await client.listGroups(session: "offline")
            }
            await #expect(throws: WadialError.invalidRequest("no participants")) {
                try await client.decideRequests(session: session, support, .approve, [])
            }
        }
    }

    @Test(arguments: Implementation.allCases)
    func callsAreLoggedInTheWorld(_ implementation: Implementation) async throws {
        let world = demoWorld()
        try await withClient(implementation, world: world) { client in
            _ = try await client.listGroups(session: session)
            _ = try await client.decideRequests(session: session, support, .approve, [us])
        }
        let calls = await world.calls
        #expect(calls.map(\.operation) == [.listGroups, .decideRequests])
        #expect(calls.map(\.status) == [200, 200])
        // The world logs the path as received: over HTTP the JID's `@` arrives percent-encoded.
        let jid = implementation == .http ? "120363000000000001%40g.us" : "120363000000000001@g.us"
        #expect(calls.last?.path == "/api/v1/sessions/s1/groups/\(jid)/membership-requests")
    }
}
