import Foundation
import WadialAPI
import WadialModels

extension SandboxWorld {
    /// How the sandbox names fields: the API documents no names, so both spellings are served.
    public enum FieldStyle: String, Sendable, Hashable, CaseIterable {
        /// `id`, `subject`, `size`, each setting by the first of its field names (`announce`,
        /// `restrict`), `request_time` in seconds.
        case primary
        /// `groupJid`, `name`, `participantCount`, each setting by the last of its field names
        /// (`isAnnounce`, `isLocked`), `requestedAt` in milliseconds.
        case alternate
    }

    /// A group as the listing and metadata serve it: with its kind (`isCommunity`,
    /// `isCommunityAnnounce`, `linkedParent`) and its listed members, the account `me` among them
    /// with its role.
    func json(_ group: GroupState, style: FieldStyle, me: UserJID) -> JSONValue {
        var object: [String: JSONValue] = [:]
        let settings = group.settings
        switch style {
        case .primary:
            object["id"] = .string(group.jid.rawValue)
            object["subject"] = .string(group.subject)
            object["size"] = .number(Double(group.size))
            if let description = group.description { object["desc"] = .string(description) }
        case .alternate:
            object["groupJid"] = .string(group.jid.rawValue)
            object["name"] = .string(group.subject)
            object["participantCount"] = .number(Double(group.size))
            if let description = group.description { object["description"] = .string(description) }
        }
        for (setting, value) in settings.known {
            guard let field = style == .primary ? setting.fields.first : setting.fields.last else { continue }
            object[field] = JSONValue(value)
        }
        switch group.kind {
        case .group: break
        case .community: object["isCommunity"] = .bool(true)
        case .announcements: object["isCommunityAnnounce"] = .bool(true)
        }
        if let parent = group.linkedParent { object["linkedParent"] = .string(parent.rawValue) }
        let members = group.members.contains { $0.jid == me } ? group.members : group.members + [Participant(jid: me, role: group.accountRole)]
        object["participants"] = .array(members.map {
            .object(["id": .string($0.jid.rawValue), "admin": $0.role == .member ? .null : .string($0.role.rawValue)])
        })
        return .object(object)
    }
}
