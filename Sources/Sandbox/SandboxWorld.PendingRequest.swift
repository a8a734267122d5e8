public import Foundation
import WadialAPI
public import WadialModels

extension SandboxWorld {
    public struct PendingRequest: Sendable, Hashable {
        public var jid: UserJID
        /// The phone field the API sends beside the JID, if any (`@lid` requesters).
        public var phoneField: String?
        public var requestedAt: Date
        public var method: String

        public init(jid: UserJID, phoneField: String? = nil, requestedAt: Date, method: String = "invite_link") {
            self.jid = jid
            self.phoneField = phoneField
            self.requestedAt = requestedAt
            self.method = method
        }
    }
}
