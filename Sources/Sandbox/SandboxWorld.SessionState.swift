import Foundation
import WadialAPI
public import WadialModels

extension SandboxWorld {
    public struct SessionState: Sendable, Hashable {
        public var id: String
        public var connected: Bool
        /// The account's own identity, used when it joins a group by invite.
        public var me: UserJID

        public init(id: String, connected: Bool = true, me: UserJID = UserJID("10000000000@s.whatsapp.net")!) {
            self.id = id
            self.connected = connected
            self.me = me
        }
    }
}
