import Engine
import Foundation
import Rules
import WadialAPI
import WadialModels

/// The evaluation benchmark's input: groups whose subjects some selectors and `subject:`
/// conditions match, sizes on both sides of the thresholds, settings with some drift, ten
/// requesters each from a mix of countries, some `@lid` with and without a phone number.
public enum EvaluationCorpus {
    public static let ruleCount = 20
    /// A Wednesday, 2026-11-18 11:06:40 UTC: office hours in Berlin, so time windows hold.
    public static let now = Date(timeIntervalSince1970: 1_795_000_000)

    public static func view(_ index: Int) -> Snapshot.GroupView {
        let jid = GroupJID("1203630\(String(format: "%011d", index))@g.us")!
        let subject = index % 3 == 0 ? "Support \(index % 13)" : "Region \(index % 97) \(index)"
        let settings = GroupSettings([.announcement: .bool(index % 7 == 0), .locked: .bool(index % 5 != 0), .memberAddMode: "admin_add", .memberLinkMode: "admin_link", .historySharing: "all_member_share", .ephemeral: .seconds(index % 4 == 0 ? 604_800 : 0)])
        let group = Group(jid: jid, subject: subject, size: 100 + (index * 37) % 2_500, settings: settings)
        let requestedAt = now.addingTimeInterval(-Double((index % 100) * 3_600))
        let countries = ["1", "44", "49", "33", "61", "1415", "4420", "31", "91", "55"]
        let requests = (0..<10).map { slot -> MembershipRequest in
            let serial = String(format: "%08d", (index * 10 + slot) % 100_000_000)
            switch slot {
            case 8:
                return MembershipRequest(jid: UserJID("8\(serial)123456@lid")!, requestedAt: requestedAt)
            case 9:
                return MembershipRequest(
                    jid: UserJID("7\(serial)654321@lid")!, phoneNumber: PhoneNumber("+44 7700 \(serial.suffix(6))"), requestedAt: requestedAt)
            default:
                let digits = countries[(index + slot) % countries.count] + serial
                return MembershipRequest(jid: UserJID("\(digits)@s.whatsapp.net")!, phoneNumber: PhoneNumber(digits), requestedAt: requestedAt)
            }
        }
        return Snapshot.GroupView(group: group, requests: requests)
    }

    /// A snapshot of `groups` groups and the state a pass one poll (30 s) earlier left, so that
    /// schedules and thresholds run their usual path rather than their first-sight one.
    public static func steadyState(rules: RuleSet, groups: Int) -> (Snapshot, EngineState, Date) {
        let snapshot = Snapshot(session: "bench", takenAt: now, groups: (0..<groups).map(view))
        var state = EngineState()
        for change in Evaluator(rules: rules).evaluate(snapshot, state: state, now: now.addingTimeInterval(-30)).stateChanges {
            state.values[change.key] = change.value
        }
        return (snapshot, state, now)
    }
}
