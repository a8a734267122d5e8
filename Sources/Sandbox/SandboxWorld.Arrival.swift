import Foundation
import WadialAPI
public import WadialModels

extension SandboxWorld {
    /// Something that happens to the world at a time after its start.
    public struct Arrival: Sendable, Hashable {
        public enum Change: Sendable, Hashable {
            case request(GroupJID, PendingRequest)
            /// Members joining (positive) or leaving (negative) outside the API.
            case memberDelta(GroupJID, Int)
            case connection(session: String, connected: Bool)
        }

        public var after: Duration
        public var change: Change

        public init(after: Duration, change: Change) {
            self.after = after
            self.change = change
        }
    }
}
