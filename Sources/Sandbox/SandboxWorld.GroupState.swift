import Foundation
public import WadialAPI
public import WadialModels

extension SandboxWorld {
    public struct GroupState: Sendable, Hashable {
        public var jid: GroupJID
        public var subject: String
        public var description: String?
        /// Listed members with their roles, in joining order.
        public var members: [Participant]
        /// Members counted but not listed, so that large groups stay cheap.
        public var unlistedMembers: Int
        public var settings: GroupSettings
        public var inviteCode: String
        public var requests: [PendingRequest]
        /// The sessions whose account is in the group; nil for every session.
        public var sessions: Set<String>?
        /// Ordinary group, community parent or community announcement group.
        public var kind: GroupKind = .group
        /// The community it belongs to (ordinary and announcement groups).
        public var linkedParent: GroupJID?
        /// The account's role in the group (every session's account): a plain member can read the
        /// group but not its join requests or invite code, and changes nothing.
        public var accountRole: Participant.Role = .admin

        func isIn(_ session: String) -> Bool { sessions?.contains(session) ?? true }

        public var size: Int { members.count + unlistedMembers }

        public init(jid: GroupJID, subject: String, description: String? = nil, members: [Participant] = [], unlistedMembers: Int = 0,
                    settings: GroupSettings = SandboxWorld.defaultSettings,
                    inviteCode: String? = nil, requests: [PendingRequest] = []) {
            self.jid = jid
            self.subject = subject
            self.description = description
            self.members = members
            self.unlistedMembers = unlistedMembers
            self.settings = settings
            self.inviteCode = inviteCode ?? SandboxWorld.code(for: jid.rawValue, generation: 0)
            self.requests = requests
        }
    }

    /// A new group's settings: WhatsApp's defaults.
    public static let defaultSettings: GroupSettings = [
        .announcement: false, .locked: false, .memberAddMode: "admin_add", .memberLinkMode: "admin_link",
        .historySharing: "all_member_share", .ephemeral: .seconds(0), .membershipApproval: true,
    ]
}
