import Foundation
import Sandbox
import TestSupport
import Testing
import WadialAPI
import WadialModels

struct WorldFileTests {
    static let text = """
        sessions: [{ id: demo }]
        groups:
          - jid: 120363000000000001@g.us
            subject: Support
            size: 120
            members: [{ jid: 15550000001@s.whatsapp.net, role: superadmin }]
            settings: { announcement: true, member_add_mode: all_member_add, ephemeral: 7d }
            invite_code: StartCode
            requests:
              - { jid: 15551234567@s.whatsapp.net, waiting: 2h }
              - { jid: 123456789012345@lid, phone: "+447700900123" }
        arrivals:
          - { after: 10s, group: 120363000000000001@g.us, request: { jid: 4915123456789@s.whatsapp.net } }
          - { after: 20s, group: 120363000000000001@g.us, members: -20 }
          - { after: 30s, session: demo, connected: false }
        """

    @Test func worldFileSeedsTheWorldAndArrivalsFollowTheClock() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let clock = ManualWallClock(start)
        let file = try WorldFile.parse(Self.text, now: start)
        let world = file.world(clock: { clock.now })
        let client = SandboxClient(world: world)
        let jid = GroupJID("120363000000000001@g.us")!
        var group = try await client.group(session: "demo", jid)
        #expect(group.size == 120)
        #expect(group.settings[.announcement] == true)
        #expect(group.settings[.memberAddMode] == "all_member_add")
        #expect(group.settings[.ephemeral] == .seconds(604_800))
        #expect(try await client.inviteCode(session: "demo", jid).code == "StartCode")
        var requests = try await client.membershipRequests(session: "demo", jid)
        #expect(requests.map(\.jid.rawValue) == ["15551234567@s.whatsapp.net", "123456789012345@lid"])
        #expect(requests[0].requestedAt == start.addingTimeInterval(-7200))
        #expect(requests[1].phoneNumber?.digits == "447700900123")

        clock.advance(10)
        requests = try await client.membershipRequests(session: "demo", jid)
        #expect(requests.count == 3)
        #expect(requests[2].requestedAt == start.addingTimeInterval(10))
        clock.advance(10)
        group = try await client.group(session: "demo", jid)
        #expect(group.size == 100)
        clock.advance(10)
        #expect(try await client.sessionStatus(session: "demo").connected == false)
    }

    @Test func worldFileErrorsHaveMarks() {
        #expect {
            _ = try WorldFile.parse("groups:\n  - jid: nope\n    colour: red\n", file: "w.yaml")
        } throws: { error in
            let text = (error as? WorldFile.LoadError)?.description ?? ""
            return text.contains("w.yaml:3:5: error: unknown key \"colour\" in a group") && text.contains("w.yaml:2:10: error: \"nope\" is not a group JID")
        }
    }

    @Test func emptyWorldHasTheDefaultSession() throws {
        let file = try WorldFile.parse("groups: []\n")
        #expect(file.sessions.map(\.id) == ["sandbox"])
    }
}
