public import Logging
public import WadialModels

/// One entry of a list in an API answer that was not read, and why; the rest of the list goes on.
/// A group list with one odd id still yields every other group; a request list with one
/// requester that is not a user JID still yields every other request.
public struct SkippedEntry: Sendable, Hashable, CustomStringConvertible {
    /// Which list: `group list`, `join requests`, `participants`, `decision statuses`.
    public let list: String
    /// The group the list belongs to, when it belongs to one.
    public let group: GroupJID?
    /// The entry as sent, cut to 200 characters and escaped for a log line.
    public let entry: String
    public let reason: String

    public init(list: String, group: GroupJID?, entry: JSONValue, reason: String) {
        self.list = list
        self.group = group
        let text = String(decoding: entry.encoded(), as: UTF8.self)
        self.entry = TextEscaping.quoted(text, limit: 200)
        self.reason = reason
    }

    /// One warning line naming the list, the group, the entry and why; `scrub` cleans the texts
    /// that came from the API.
    public func log(to logger: Logger, scrub: (String) -> String = { $0 }) {
        logger.warning("skipped an entry of an API list", metadata: [
            "list": "\(list)", "group": "\(group?.rawValue ?? "-")", "entry": "\(scrub(entry))", "reason": "\(scrub(reason))",
        ])
    }

    public var description: String {
        "skipped an entry of the \(list)\(group.map { " of \($0)" } ?? ""): \(entry) (\(reason))"
    }
}
