public import Foundation
public import WadialAPI
import WadialModels

extension SandboxWorld {
    /// One call as the API received it.
    public struct Call: Sendable, Hashable {
        public var time: Date
        public var method: String
        public var path: String
        public var operation: WadialOperation?
        public var body: JSONValue?
        public var status: Int
        /// The fault injected into this call, if any.
        public var fault: String?
        /// What the world answered, whatever reached the caller (a dropped or garbled answer
        /// included): a decision's per-requester statuses say what was applied.
        public var response: JSONValue?
    }
}
