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

    @Test(arguments: [
        ("waiting: 999999999999999999d", "how long it has waited is longer than the longest duration, 100 years (36500d)"),
        ("waiting: 2h30x", "expected how long it has waited (a duration like 45s, 10m, 2h, 3d)"),
    ])
    func aHostileDurationInAWorldFileIsAnError(_ field: String, _ message: String) {
        let text = "groups:\n  - jid: 120363000000000001@g.us\n    subject: S\n    requests:\n      - { jid: 15551234567@s.whatsapp.net, \(field) }\n"
        #expect { try WorldFile.parse(text) } throws: { error in "\(error)".contains(message) }
    }

    @Test func aMemberCountPastTheLimitIsAnErrorAndDeltasClamp() async throws {
        let text = "groups:\n  - jid: 120363000000000001@g.us\n    subject: S\n    size: 9223372036854775807\n"
        #expect { try WorldFile.parse(text) } throws: { error in "\(error)".contains("expected a member count from 0 to 100000000") }
        let jid = GroupJID("120363000000000001@g.us")!
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: jid, subject: "S", unlistedMembers: 10)])
        await world.apply(.memberDelta(jid, .max))
        await world.apply(.memberDelta(jid, .max))
        #expect(await world.group(jid).map { $0.size > 0 } == true)
        await world.apply(.memberDelta(jid, .min))
        #expect(await world.group(jid)?.size == 0)
    }

    @Test func aWorldFileOverTheSizeLimitIsRefusedBeforeItIsRead() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("world-\(UUID().uuidString).yaml")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 64 << 20)  // sparse: 64 MiB that cost no disk
        try handle.close()
        defer { try? FileManager.default.removeItem(at: file) }
        #expect { try WorldFile.load(path: file.path) } throws: { error in "\(error)".contains("file is 67108864 bytes, over the limit of 8388608 bytes") }
    }

    @Test func settingsTakeWhatsAppsSpellingsToo() throws {
        let text = "groups:\n  - jid: 120363000000000001@g.us\n    subject: S\n    settings: { member_add_mode: ADMIN_ADD, ephemeral: 3600 }\n"
        let group = try #require(try WorldFile.parse(text).groups.first)
        #expect(group.settings[.memberAddMode] == "admin_add")
        #expect(group.settings[.ephemeral] == .seconds(3600))
    }

    @Test func aFIFOIsRefusedNotWaitedOn() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID().uuidString).yaml").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try WorldFile.load(path: path) } throws: { error in "\(error)".contains("is not a regular file") }
    }
}
