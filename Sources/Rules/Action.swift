import WadialAPI

/// One step of `then:`. Steps run in order; a failure stops the rule's remaining steps for that group.
public enum Action: Sendable, Hashable {
    case approveRequests
    case rejectRequests
    case setAnnouncement(Bool)
    case setLocked(Bool)
    case setMemberAddMode(MemberAddMode)
    case setMemberLinkMode(MemberLinkMode)
    case setHistorySharing(HistorySharingMode)
    case setEphemeral(EphemeralDuration)
    case updateProfile(subject: Template?, description: Template?)
    case participants(ParticipantsAction)
    case rotateInvite
    case leaveGroup
    case webhook(Webhook)
    case log(Template)

    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case approveRequests = "approve_requests"
        case rejectRequests = "reject_requests"
        case setAnnouncement = "set_announcement"
        case setLocked = "set_locked"
        case setMemberAddMode = "set_member_add_mode"
        case setMemberLinkMode = "set_member_link_mode"
        case setHistorySharing = "set_history_sharing"
        case setEphemeral = "set_ephemeral"
        case updateProfile = "update_profile"
        case participants = "participants"
        case rotateInvite = "rotate_invite"
        case leaveGroup = "leave_group"
        case webhook = "webhook"
        case log = "log"

        /// Written as a bare word (`- approve_requests`) rather than `- key: value`.
        public var takesNoValue: Bool {
            switch self {
            case .approveRequests, .rejectRequests, .rotateInvite, .leaveGroup: true
            default: false
            }
        }

        /// Changes something through the WADial API (counts against the mutation budget).
        public var isWrite: Bool {
            switch self {
            case .log, .webhook: false
            default: true
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .approveRequests: .approveRequests
        case .rejectRequests: .rejectRequests
        case .setAnnouncement: .setAnnouncement
        case .setLocked: .setLocked
        case .setMemberAddMode: .setMemberAddMode
        case .setMemberLinkMode: .setMemberLinkMode
        case .setHistorySharing: .setHistorySharing
        case .setEphemeral: .setEphemeral
        case .updateProfile: .updateProfile
        case .participants: .participants
        case .rotateInvite: .rotateInvite
        case .leaveGroup: .leaveGroup
        case .webhook: .webhook
        case .log: .log
        }
    }
}

public struct ParticipantsAction: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case add, remove, promote, demote
    }

    public var operation: Operation
    public var members: [UserJID]

    public init(operation: Operation, members: [UserJID]) {
        self.operation = operation
        self.members = members
    }
}

/// An HTTP POST of a rendered body to a URL of the user's.
public struct Webhook: Sendable, Hashable {
    public var url: Template
    public var body: Template?
    public var headers: [String: String]

    public init(url: Template, body: Template? = nil, headers: [String: String] = [:]) {
        self.url = url
        self.body = body
        self.headers = headers
    }
}
