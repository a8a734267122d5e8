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
    }
}
