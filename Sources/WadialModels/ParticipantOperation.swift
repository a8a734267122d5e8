/// What `POST /groups/{jid}/participants` does to the members named, and the rule's
/// `participants: { action: ... }`.
public enum ParticipantOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case add, remove, promote, demote
}
