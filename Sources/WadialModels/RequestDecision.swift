/// What is done with a pending join request: the rule actions `approve_requests` and
/// `reject_requests`, the API's `action`, the journal's operation and the acted-on record all
/// speak this one type.
public enum RequestDecision: String, Sendable, Hashable, Codable, CaseIterable {
    case approve, reject, cancel

    /// The rule action that makes this decision: `approve_requests`.
    public var actionName: String { rawValue + "_requests" }

    /// For log lines: `approved`, `rejected`, `cancelled`.
    public var pastTense: String {
        switch self {
        case .approve: "approved"
        case .reject: "rejected"
        case .cancel: "cancelled"
        }
    }
}
