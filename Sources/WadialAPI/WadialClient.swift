public import WadialModels
/// Every operation of the WADial group API, for one account. Every error thrown is a `WadialError`.
///
/// `HTTPWadialClient` speaks it over HTTP; the sandbox serves the same contract from memory, and
/// one contract test suite runs against both.
public protocol WadialClient: Sendable {
    func sessionStatus(session: String) async throws -> SessionStatus
    func reconnect(session: String) async throws

    func listGroups(session: String) async throws -> [Group]
    func group(session: String, _ jid: GroupJID) async throws -> Group
    func createGroup(session: String, subject: String, participants: [UserJID], description: String?) async throws -> Group
    func updateProfile(session: String, _ jid: GroupJID, subject: String?, description: String?) async throws
    /// Returns the API's per-participant answer as sent.
    func updateParticipants(session: String, _ jid: GroupJID, _ operation: ParticipantOperation, _ participants: [UserJID]) async throws -> JSONValue
    func updateSetting(session: String, _ jid: GroupJID, _ change: SettingChange) async throws

    func previewInvite(session: String, code: String) async throws -> JSONValue
    func joinByInvite(session: String, code: String) async throws -> JSONValue
    func inviteCode(session: String, _ jid: GroupJID) async throws -> InviteCode
    /// Revokes the current link and returns the new one.
    func revokeInvite(session: String, _ jid: GroupJID) async throws -> InviteCode

    func membershipRequests(session: String, _ jid: GroupJID) async throws -> [MembershipRequest]
    /// Returns the API's per-participant answer as sent.
    func decideRequests(session: String, _ jid: GroupJID, _ decision: RequestDecision, _ participants: [UserJID]) async throws -> JSONValue
    func leave(session: String, _ jids: [GroupJID]) async throws
}

/// What each operation is called in logs and metrics, and whether it changes anything.
public enum WadialOperation: String, Sendable, Hashable, CaseIterable {
    case sessionStatus = "session_status"
    case reconnect
    case listGroups = "list_groups"
    case group = "group_metadata"
    case createGroup = "create_group"
    case updateProfile = "update_profile"
    case updateParticipants = "participants"
    case updateSetting = "settings"
    case previewInvite = "invite_preview"
    case joinByInvite = "join"
    case inviteCode = "invite_code"
    case revokeInvite = "invite_revoke"
    case membershipRequests = "membership_requests"
    case decideRequests = "decide_requests"
    case leave

    public var isWrite: Bool {
        switch self {
        case .sessionStatus, .listGroups, .group, .inviteCode, .membershipRequests, .previewInvite: false
        default: true
        }
    }
}
