public import WadialModels

/// One entry of `policies:`: settings that selected groups must have, checked every poll interval.
public struct Policy: Sendable, Hashable {
    public var id: String
    public var description: String?
    public var groups: GroupTargets
    /// `enforce` changes drifted settings back; `audit` reports the drift and changes nothing.
    public var mode: RuleMode
    public var ensure: GroupSettings
    /// `if:`: group conditions only; the policy holds in a group only while it does (nil: always).
    public var condition: Condition?
    public var enabled: Bool
    public var location: SourceLocation?

    public init(id: String, description: String? = nil, groups: GroupTargets, mode: RuleMode = .enforce, ensure: GroupSettings, condition: Condition? = nil,
                enabled: Bool = true, location: SourceLocation? = nil) {
        self.id = id
        self.condition = condition
        self.description = description
        self.groups = groups
        self.mode = mode
        self.ensure = ensure
        self.enabled = enabled
        self.location = location
    }
}
