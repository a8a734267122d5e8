public import WadialModels

/// One step of `then:`. Steps run in order; a failure stops the rule's remaining steps for that group.
public enum Action: Sendable, Hashable {
    /// `approve_requests` or `reject_requests`: the requests the rule matched.
    case decide(RequestDecision)
    /// `set_announcement: true` and the other settings of `GroupSetting`.
    case setting(SettingChange)
    case updateProfile(subject: Template?, description: Template?)
    case participants(ParticipantsAction)
    case rotateInvite
    case leaveGroup
    case webhook(Webhook)
    case log(Template)

    public static let approveRequests = Action.decide(.approve)
    public static let rejectRequests = Action.decide(.reject)

    /// What an action is, whatever its value: the rule language names one per kind.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case decide(RequestDecision)
        case setting(GroupSetting.ID)
        case updateProfile, participants, rotateInvite, leaveGroup, webhook, log

        /// Every kind, in the order the reference lists them: the decisions, the settings of the
        /// table, then the rest.
        public static let allCases: [Kind] = [.decide(.approve), .decide(.reject)] + GroupSetting.ID.allCases.map(Kind.setting)
            + [.updateProfile, .participants, .rotateInvite, .leaveGroup, .webhook, .log]

        /// The action's name in the rule language: `approve_requests`, `set_announcement`, `log`.
        public var name: String {
            switch self {
            case .decide(let decision): decision.actionName
            case .setting(let id): id.setting.action
            case .updateProfile: "update_profile"
            case .participants: "participants"
            case .rotateInvite: "rotate_invite"
            case .leaveGroup: "leave_group"
            case .webhook: "webhook"
            case .log: "log"
            }
        }

        public var description: String { name }

        /// The names of `allCases`, in order.
        public static let names: [String] = allCases.map(\.name)
        private static let byName: [String: Kind] = Dictionary(allCases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        public init?(name: String) {
            guard let kind = Self.byName[name] else { return nil }
            self = kind
        }

        /// Written as a bare word (`- approve_requests`) rather than `- key: value`.
        public var takesNoValue: Bool {
            switch self {
            case .decide, .rotateInvite, .leaveGroup: true
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

        /// Needs the account to be an admin of the group: every write but leaving it.
        public var needsAdmin: Bool {
            switch self {
            case .log, .webhook, .leaveGroup: false
            default: true
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .decide(let decision): .decide(decision)
        case .setting(let change): .setting(change.id)
        case .updateProfile: .updateProfile
        case .participants: .participants
        case .rotateInvite: .rotateInvite
        case .leaveGroup: .leaveGroup
        case .webhook: .webhook
        case .log: .log
        }
    }

    /// The decision this action makes, if it is `approve_requests` or `reject_requests`.
    public var decision: RequestDecision? {
        if case .decide(let decision) = self { decision } else { nil }
    }
}

public struct ParticipantsAction: Sendable, Hashable {
    public var operation: ParticipantOperation
    public var members: [UserJID]

    public init(operation: ParticipantOperation, members: [UserJID]) {
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

    /// The body is sent as JSON (the default `Content-Type: application/json`, or any JSON type
    /// the rule names): its values are then escaped as JSON string content.
    public var sendsJSON: Bool {
        guard let type = headers.first(where: { $0.key.lowercased() == "content-type" })?.value.lowercased() else { return true }
        return type.contains("json")
    }
}
