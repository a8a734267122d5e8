import Rules

/// The rule set in force; a reload replaces it between ticks.
actor RulesBox {
    private(set) var rules: RuleSet
    init(_ rules: RuleSet) { self.rules = rules }
    func set(_ rules: RuleSet) { self.rules = rules }
}
