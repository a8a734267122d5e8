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
    /// `deliver_within`: how long the steps of a firing are retried before they are reported as
    /// failed (default 24h).
    public var deliverWithin: Duration
    public var location: SourceLocation?

    public static let defaultDeliverWithin: Duration = .seconds(86_400)

    public init(
        id: String, description: String? = nil, groups: GroupTargets, trigger: Trigger, condition: Condition? = nil,
        actions: [Action], mode: RuleMode = .enforce, priority: Int = 0, maxActionsPerRun: Int? = nil,
        enabled: Bool = true, deliverWithin: Duration = Rule.defaultDeliverWithin, location: SourceLocation? = nil
    ) {
        self.deliverWithin = deliverWithin
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
