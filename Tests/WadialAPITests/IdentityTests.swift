import Testing
@testable import WadialAPI
import WadialModels

struct IdentityTests {
    @Test(arguments: ["120363000000000001@g.us", "447700900123-1581234567@g.us"])
    func groupJIDs(_ text: String) {
        #expect(GroupJID(text)?.rawValue == text)
    }

    @Test(arguments: ["120363@s.whatsapp.net", "@g.us", "abc@g.us", "1-2-3@g.us", "12 3@g.us", "120363000000000001@g.uss", "-1@g.us"])
    func notGroupJIDs(_ text: String) {
        #expect(GroupJID(text) == nil)
    }

    @Test func phoneJIDCarriesTheNumber() {
        let jid = UserJID("15551234567@s.whatsapp.net")
        #expect(jid?.kind == .phone)
        #expect(jid?.phoneNumber == PhoneNumber("+15551234567"))
        #expect(UserJID("15551234567:12@s.whatsapp.net")?.phoneNumber?.digits == "15551234567")
        #expect(UserJID("15551234567@c.us")?.phoneNumber?.digits == "15551234567")
    }

    @Test func lidDigitsAreNeverAPhoneNumber() {
        let jid = UserJID("15551234567@lid")
        #expect(jid?.kind == .lid)
        #expect(jid?.phoneNumber == nil)
    }

    @Test(arguments: ["", "abc@s.whatsapp.net", "123@g.us", "123", "123@lid@lid", "12:@lid", "@lid"])
    func notUserJIDs(_ text: String) {
        #expect(UserJID(text) == nil)
    }

    @Test(arguments: [("+1 555 123 4567", "15551234567"), ("0044 7700 900123", "447700900123"), ("(49) 151-2345.6789", "4915123456789")])
    func phoneNumbers(_ text: String, _ digits: String) {
        #expect(PhoneNumber(text)?.digits == digits)
    }

    @Test(arguments: ["12345", "1234567890123456", "+1 555 CALL", "", "+", "++15551234567"])
    func notPhoneNumbers(_ text: String) {
        #expect(PhoneNumber(text) == nil)
    }

    @Test func ephemeralDurations() {
        let ephemeral = GroupSetting.ID.ephemeral.setting
        #expect(ephemeral.ruleText(.seconds(604_800)) == "7d")
        #expect(ephemeral.ruleText(.seconds(5)) == "5s")
        #expect(ephemeral.valueNames == ["off", "24h", "7d", "90d"])
        #expect(ephemeral.value(ruleText: "90d") == .seconds(7_776_000))
        #expect(ephemeral.value(ruleText: "5s") == nil)
    }
}
