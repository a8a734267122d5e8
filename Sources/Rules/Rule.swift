/// One entry of `rules:`.
public struct Rule: Sendable, Hashable {
    /// Unique across the rule set; the rule's state is keyed by it.
    public var id: String
    public var description: String?
    public var groups: GroupTargets
    public var trigger: Trigger
    /// `if:`; nil when the rule has none (it always holds).
    public var condition: Condition?
    public var actions: [Action]
    public var mode: RuleMode
    public var priority: Int
    /// Overrides `settings.limits.max_actions_per_run` for this rule.
    public var maxActionsPerRun: Int?
    public var enabled: Bool
    public var location: SourceLocation?

    public init(
        id: String, description: String? = nil, groups: GroupTargets, trigger: Trigger, condition: Condition? = nil,
        actions: [Action], mode: RuleMode = .enforce, priority: Int = 0, maxActionsPerRun: Int? = nil,
        enabled: Bool = true, location: SourceLocation? = nil
    ) {
        self.id = id
        self.description = description
        self.groups = groups
        self.trigger = trigger
        self.condition = condition
        self.actions = actions
        self.mode = mode
        self.priority = priority
        self.maxActionsPerRun = maxActionsPerRun
        self.enabled = enabled
        self.location = location
    }
}
