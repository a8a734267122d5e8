/// What kind of group the listing says a group is.
///
/// WhatsApp lists a community as a parent group (`isCommunity`) and an announcement group
/// (`isCommunityAnnounce`) beside its ordinary groups; an ordinary group can be linked to a
/// community (`linkedParent`) and stays ordinary.
public enum GroupKind: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// An ordinary group, linked to a community or not.
    case group
    /// A community's parent group.
    case community
    /// A community's announcement group, where only admins write.
    case announcements

    /// As the rule language writes it (`kind: announcements`).
    public var description: String { rawValue }

    /// For people: "community announcement group".
    public var label: String {
        switch self {
        case .group: "group"
        case .community: "community"
        case .announcements: "community announcement group"
        }
    }
}
