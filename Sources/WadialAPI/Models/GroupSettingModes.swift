/// Who may add members (`memberAddMode`).
public enum MemberAddMode: String, Sendable, Hashable, Codable, CaseIterable {
    case adminAdd = "admin_add"
    case allMemberAdd = "all_member_add"
}

/// Who may approve joins through the invite link (`memberLinkMode`).
public enum MemberLinkMode: String, Sendable, Hashable, Codable, CaseIterable {
    case adminLink = "admin_link"
    case allMemberLink = "all_member_link"
}

/// Who may share recent history with new members (`memberShareGroupHistoryMode`).
public enum HistorySharingMode: String, Sendable, Hashable, Codable, CaseIterable {
    case allMemberShare = "all_member_share"
    case adminShare = "admin_share"
}

/// Disappearing messages: the durations WhatsApp offers (`ephemeralDurationSeconds`).
public enum EphemeralDuration: String, Sendable, Hashable, Codable, CaseIterable {
    case off = "off"
    case day = "24h"
    case week = "7d"
    case ninetyDays = "90d"

    public var seconds: Int {
        switch self {
        case .off: 0
        case .day: 86_400
        case .week: 604_800
        case .ninetyDays: 7_776_000
        }
    }

    public init?(seconds: Int) {
        guard let match = Self.allCases.first(where: { $0.seconds == seconds }) else { return nil }
        self = match
    }
}
