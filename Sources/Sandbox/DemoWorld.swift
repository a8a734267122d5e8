public import Foundation
import WadialAPI
public import WadialModels

/// The world `wadial-rules sandbox` serves when no world file is given: the groups of the
/// example rules, with join requests arriving every few seconds and the support group's member
/// count swinging across the example thresholds (900 up, 850 down). The two regional groups
/// belong to a community, "Regions", whose announcement group only admins write in.
public enum DemoWorld {
    public static let session = "sandbox"
    public static let support = GroupJID("120363000000000001@g.us")!
    public static let regionNorth = GroupJID("120363000000000002@g.us")!
    public static let regionSouth = GroupJID("120363000000000003@g.us")!
    public static let announcements = GroupJID("120363000000000009@g.us")!
    public static let regions = GroupJID("120363000000000008@g.us")!

    /// Requesters the arrivals cycle through: vetted prefixes, others, and privacy identities
    /// with and without a phone number.
    static let requesters: [(String, String?)] = [
        ("1555%07d@s.whatsapp.net", nil),            // +1: approved by approve-vetted
        ("4477009%05d@s.whatsapp.net", nil),         // +44: approved
        ("7916%07d@s.whatsapp.net", nil),            // +7: not vetted, waits
        ("1%014d@lid", "+1 202 555 %04d"),           // @lid with a US phone: approved
        ("2%014d@lid", nil),                         // @lid without a phone: never approved by prefix
        ("33612%06d@s.whatsapp.net", nil),           // +33: waits
    ]

    public static func file(start: Date = Date(), duration: Duration = .seconds(3600), every: Duration = .seconds(4)) -> WorldFile {
        let admin = Participant(jid: UserJID("15550000001@s.whatsapp.net")!, role: .superadmin)
        var groups: [SandboxWorld.GroupState] = [
            .init(jid: support, subject: "Support", description: "Help desk", members: [admin], unlistedMembers: 890,
                  requests: [.init(jid: UserJID("4915123456789@s.whatsapp.net")!, requestedAt: start.addingTimeInterval(-3 * 86_400))]),
            .init(jid: regionNorth, subject: "Region North", members: [admin], unlistedMembers: 240),
            .init(jid: regionSouth, subject: "Region South", members: [admin], unlistedMembers: 310,
                  // Joining without approval until the `vetting-needs-approval` policy turns it on.
                  settings: SandboxWorld.defaultSettings.merging([.memberAddMode: "all_member_add", .membershipApproval: false])),
            // The community's announcement group: admins only, left alone by "*" and by the
            // "^Region " pattern, touched only by a selector of kind announcements.
            .init(jid: announcements, subject: "Region Announcements", members: [admin], unlistedMembers: 1200,
                  settings: SandboxWorld.defaultSettings.merging([.announcement: true])),
            .init(jid: regions, subject: "Regions", members: [admin], unlistedMembers: 1200),
        ]
        groups[1].linkedParent = regions
        groups[2].linkedParent = regions
        groups[3].kind = .announcements
        groups[3].linkedParent = regions
        groups[4].kind = .community
        var arrivals: [SandboxWorld.Arrival] = []
        let targets = [support, regionNorth, regionSouth]
        let steps = Int(duration.seconds / max(every.seconds, 1))
        for step in 0..<steps {
            let after = Duration.seconds(Double(step + 1) * every.seconds)
            let (template, phone) = requesters[step % requesters.count]
            guard let jid = UserJID(String(format: template, step)) else { continue }
            let request = SandboxWorld.PendingRequest(jid: jid, phoneField: phone.map { String(format: $0, step % 10_000) },
                                                      requestedAt: start.addingTimeInterval(after.seconds))
            arrivals.append(.init(after: after, change: .request(targets[step % targets.count], request)))
            // Members join outside the API and leave again: a swing of about 90 every minute.
            let minute = step * Int(every.seconds) / 60
            arrivals.append(.init(after: after, change: .memberDelta(support, minute % 2 == 0 ? 6 : -6)))
        }
        return WorldFile(sessions: [.init(id: session)], groups: groups, arrivals: arrivals)
    }
}
