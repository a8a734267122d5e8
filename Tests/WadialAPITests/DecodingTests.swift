import Foundation
import Testing
@testable import WadialAPI
import WadialModels

/// The field variants the README lists ("The API client"), each decoded.
struct DecodingTests {
    private func json(_ text: String) throws -> JSONValue {
        try #require(JSONValue.parse(Data(text.utf8)))
    }

    @Test(arguments: [
        #"{"jid": "120363000000000001@g.us", "subject": "A", "size": 5}"#,
        #"{"id": "120363000000000001@g.us", "subject": "A", "participantCount": 5}"#,
        #"{"groupJid": "120363000000000001@g.us", "name": "A", "participants": [{"id": "1555000001@s.whatsapp.net"}, {"id": "1555000002@s.whatsapp.net"}, "1555000003@s.whatsapp.net", {"jid": "1555000004@s.whatsapp.net", "admin": "admin"}, {"id": "12@lid", "isSuperAdmin": true}]}"#,
    ])
    func groupIdentityAndSize(_ text: String) throws {
        let group = try Group(json: try json(text))
        #expect(group.jid.rawValue == "120363000000000001@g.us")
        #expect(group.subject == "A")
        #expect(group.size == 5)
    }

    @Test func participantRoles() throws {
        let group = try Group(json: try json(#"{"id": "1@g.us", "participants": [{"id": "1555000001@s.whatsapp.net", "admin": "superadmin"}, {"jid": "1555000004@s.whatsapp.net", "admin": "admin"}, {"id": "1555000005@s.whatsapp.net", "admin": null}, {"id": "12@lid", "isAdmin": true}]}"#))
        #expect(group.participants?.map(\.role) == [.superadmin, .admin, .member, .admin])
    }

    @Test(arguments: [
        (#"{"id": "1@g.us", "announce": true, "restrict": false}"#, true, false),
        (#"{"id": "1@g.us", "announcement": false, "locked": true}"#, false, true),
        (#"{"id": "1@g.us", "isAnnounce": true, "isLocked": true}"#, true, true),
        (#"{"id": "1@g.us", "settings": {"announce": true, "restrict": true}}"#, true, true),
    ])
    func announcementAndLocked(_ text: String, _ announcement: Bool, _ locked: Bool) throws {
        let settings = try Group(json: try json(text)).settings
        #expect(settings[.announcement] == .bool(announcement))
        #expect(settings[.locked] == .bool(locked))
    }

    @Test func modesInEverySpelling() throws {
        let settings = try Group(json: try json(#"{"id": "1@g.us", "memberAddMode": "ALL_MEMBER_ADD", "memberLinkMode": "adminLink", "memberShareGroupHistoryMode": "admin_share", "ephemeralDuration": 86400}"#)).settings
        #expect(settings[.memberAddMode] == "all_member_add")
        #expect(settings[.memberLinkMode] == "admin_link")
        #expect(settings[.historySharing] == "admin_share")
        #expect(settings[.ephemeral] == .seconds(86400))
    }

    @Test func groupWithoutIdIsAnError() throws {
        #expect(throws: WadialError.decoding("group without jid, id or groupJid")) { try Group(json: try json(#"{"subject": "x"}"#)) }
        #expect(throws: WadialError.decoding("group id \"abc\" is not a group JID (digits@g.us)")) { try Group(json: try json(#"{"id": "abc"}"#)) }
    }

    @Test(arguments: [
        (#"{"jid": "15551234567@s.whatsapp.net"}"#, "15551234567"),
        (#"{"jid": "123456789012345@lid"}"#, nil),
        (#"{"jid": "123456789012345@lid", "phone_number": "+447700900123"}"#, "447700900123"),
        (#"{"jid": "123456789012345@lid", "phoneNumber": "447700900123@s.whatsapp.net"}"#, "447700900123"),
        (#"{"jid": "123456789012345@lid", "pn": "447700900123"}"#, "447700900123"),
        (#"{"jid": "123456789012345@lid", "phone_number": "123456789012345"}"#, nil),
        (#"{"jid": "123456789012345@lid", "phone_number": "123456789012345@lid"}"#, nil),
        (#"{"jid": "123456789012345@lid", "phone_number": "unknown"}"#, nil),
        (#"{"jid": "123456789012345@lid", "phone_number": ""}"#, nil),
        (#"{"jid": "15551234567@s.whatsapp.net", "phone_number": "+447700900123"}"#, "15551234567"),
    ] as [(String, String?)])
    func requesterNumbersFailClosed(_ text: String, _ digits: String?) throws {
        #expect(try MembershipRequest(json: try json(text)).phoneNumber?.digits == digits)
    }

    @Test(arguments: [
        #"{"jid": "1555000001@s.whatsapp.net", "request_time": 1790000000}"#,
        #"{"jid": "1555000001@s.whatsapp.net", "request_time": "1790000000"}"#,
        #"{"jid": "1555000001@s.whatsapp.net", "requestedAt": 1790000000000}"#,
        #"{"jid": "1555000001@s.whatsapp.net", "requestedAt": "1790000000000"}"#,
        #"{"jid": "1555000001@s.whatsapp.net", "requestedAt": "2026-09-21T14:13:20Z"}"#,
    ])
    func requestTimesInSecondsOrMilliseconds(_ text: String) throws {
        #expect(try MembershipRequest(json: try json(text)).requestedAt == Date(timeIntervalSince1970: 1_790_000_000))
    }

    @Test func requestMethodAndMissingTime() throws {
        let request = try MembershipRequest(json: try json(#"{"jid": "1555000001@s.whatsapp.net", "request_method": "invite_link"}"#))
        #expect(request.method == "invite_link")
        #expect(request.requestedAt == nil)
        #expect(throws: WadialError.self) { try MembershipRequest(json: try json(#"{"jid": "nobody"}"#)) }
    }

    @Test func sessionStatusForms() throws {
        #expect(SessionStatus(json: try json(#"{"paired": true, "active": true, "connected": true, "connectionState": "open"}"#)).connected)
        #expect(SessionStatus(json: try json(#"{"connectionState": "open"}"#)).connected)
        #expect(!SessionStatus(json: try json(#"{"connectionState": "connecting"}"#)).connected)
    }

    @Test func inviteForms() throws {
        #expect(try InviteCode(json: try json(#"{"code": "AbC"}"#)) == InviteCode(code: "AbC"))
        #expect(try InviteCode(json: try json(#"{"inviteCode": "AbC"}"#)).link == "https://chat.whatsapp.com/AbC")
        #expect(try InviteCode(json: try json(#""AbC""#)).code == "AbC")
        #expect(try InviteCode(json: try json(#"{"link": "https://chat.whatsapp.com/XyZ"}"#)).code == "XyZ")
    }

    @Test func settingBodiesRoundTrip() {
        for change in [SettingChange(.announcement, true), SettingChange(.locked, false), SettingChange(.memberAddMode, "admin_add"), SettingChange(.memberLinkMode, "all_member_link"), SettingChange(.historySharing, "all_member_share"), SettingChange(.ephemeral, .seconds(0))] {
            #expect(SettingChange(body: change.body) == change)
        }
        #expect(SettingChange(.announcement, true).body == .object(["setting": .string("announcement"), "enabled": .bool(true)]))
        #expect(SettingChange(.ephemeral, .seconds(604_800)).body == .object(["ephemeralDurationSeconds": .number(604_800)]))
    }
}
