public import WadialModels
import YAML

/// A warning about a rule set that loads: it runs, but may not do what was meant.
public struct RuleWarning: Sendable, Hashable, CustomStringConvertible, Encodable {
    public var location: SourceLocation?
    public var message: String
    public var suggestion: String?

    public init(location: SourceLocation?, message: String, suggestion: String? = nil) {
        self.location = location
        self.message = message
        self.suggestion = suggestion
    }

    /// Like an error, with `warning:`.
    public var description: String {
        var text = "\(location?.description ?? "rules"): warning: \(message)"
        if let suggestion { text += "\n  help: \(suggestion)" }
        return text
    }

    private enum CodingKeys: String, CodingKey { case file, line, column, message, suggestion }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(location?.file, forKey: .file)
        try container.encodeIfPresent(location?.mark.line, forKey: .line)
        try container.encodeIfPresent(location?.mark.column, forKey: .column)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(suggestion, forKey: .suggestion)
    }
}

/// Rules and policies that fight: a rule action and an enforce-mode policy, or two enforce-mode
/// policies, that set one setting to different values on groups both can select, under
/// conditions that do not rule each other out. Conditions rule each other out by their
/// `member_count` ranges (a `member_count` trigger counts as one) or by a `setting:` condition
/// on different values of another setting than the one they set; subject patterns, time windows
/// and `any:` are taken to overlap.
public enum ConflictCheck {
    /// One place that sets a setting.
    struct Setter {
        /// Which rule or policy (its position among them): its own setters are never paired.
        var owner: Int
        var what: String
        var location: SourceLocation?
        var groups: GroupTargets
        var change: SettingChange
        var bounds: Bounds
        var isPolicy: Bool
    }

    /// The member counts a condition allows (`above < count < below`) and the settings it requires.
    struct Bounds {
        var above: Int?
        var below: Int?
        var settings: [GroupSetting.ID: SettingValue] = [:]

        static let any = Bounds()

        /// Both allow some group: a count in both ranges, and no setting required two ways. A
        /// condition on the very setting both set does not keep them apart: `if announcement is
        /// on, turn it off` and `if it is off, turn it on` hold in turn and flip it every tick.
        func overlaps(_ other: Bounds, setting: GroupSetting.ID) -> Bool {
            let low = max(above ?? -1, other.above ?? -1)
            let high = min(below ?? Int.max, other.below ?? Int.max)
            guard low < high - 1 else { return false }
            return !settings.contains { id, value in id != setting && (other.settings[id].map { $0 != value } ?? false) }
        }

        func narrowed(by other: Bounds) -> Bounds {
            var result = self
            if let value = other.above { result.above = max(above ?? value, value) }
            if let value = other.below { result.below = min(below ?? value, value) }
            result.settings.merge(other.settings) { first, _ in first }
            return result
        }

        init(above: Int? = nil, below: Int? = nil) {
            self.above = above
            self.below = below
        }

        /// What `condition` requires for certain; a part it cannot bound (`any:`, a time) requires nothing.
        init(_ condition: Condition?) {
            self.init()
            guard let condition else { return }
            switch condition {
            case .memberCount(let above, let below):
                self.above = above
                self.below = below
            case .not(.not(let inner)):
                self.init(inner)
            case .not(.memberCount(let above?, nil)):
                // not above N: at most N.
                self.below = above.addingReportingOverflow(1).overflow ? nil : above + 1
            case .not(.memberCount(nil, let below?)):
                // not below N: at least N.
                self.above = below - 1
            case .setting(let wanted):
                for (setting, value) in wanted.known { settings[setting.id] = value }
            case .all(let parts):
                self = parts.reduce(Bounds()) { $0.narrowed(by: Bounds($1)) }
            default:
                break
            }
        }
    }

    /// At most this many pairs are listed; one more warning counts the rest.
    public static let maximumWarnings = 100

    /// The warnings (at most `maximumWarnings` pairs, and one that counts the rest) and how many
    /// pairs were found in all.
    public struct Report: Sendable {
        public var warnings: [RuleWarning]
        public var pairs: Int
    }

    public static func warnings(_ set: RuleSet) -> [RuleWarning] { check(set).warnings }

    public static func check(_ set: RuleSet) -> Report {
        var setters: [Setter] = []
        for (owner, rule) in set.rules.enumerated() where rule.enabled && rule.mode == .enforce {
            var bounds = Bounds(rule.condition)
            if case .memberCount(let trigger) = rule.trigger {
                switch trigger.threshold {
                case .above(let value): bounds = bounds.narrowed(by: Bounds(above: value))
                case .below(let value): bounds = bounds.narrowed(by: Bounds(below: value))
                }
            }
            // A rule that sets a setting more than once leaves it at the last value: that is what it wants.
            var last: [GroupSetting.ID: SettingChange] = [:]
            var order: [GroupSetting.ID] = []
            for action in rule.actions {
                guard case .setting(let change) = action else { continue }
                if last[change.id] == nil { order.append(change.id) }
                last[change.id] = change
            }
            for id in order {
                guard let change = last[id] else { continue }
                setters.append(Setter(owner: owner, what: "rule \"\(rule.id)\"", location: rule.location, groups: rule.groups, change: change, bounds: bounds, isPolicy: false))
            }
        }
        for (index, policy) in set.policies.enumerated() where policy.enabled && policy.mode == .enforce {
            for (setting, value) in policy.ensure.known {
                setters.append(Setter(owner: set.rules.count + index, what: "policy \"\(policy.id)\"", location: policy.location, groups: policy.groups,
                                      change: SettingChange(setting.id, value), bounds: Bounds(policy.condition), isPolicy: true))
            }
        }
        // Pairs with a policy in them, of one setting: each policy against every rule and every
        // later policy that set the same setting (rules against rules are never paired). The
        // footprints are worked out once per setter. The pairs are many (every policy against
        // every rule of its setting): the loop reads plain arrays, not `Setter` copies.
        var selectors: [String: Footprint] = [:]
        for selector in set.groupSelectors where selectors[selector.name] == nil {
            let listedOnly = selector.subjectPattern == nil && !selector.jids.isEmpty
            selectors[selector.name] = Footprint(kinds: selector.selectedKinds, jids: listedOnly ? Set(selector.jids).subtracting(selector.exclude) : nil)
        }
        let footprints = setters.map { Reach(footprint($0.groups, selectors)) }
        let owners = setters.map(\.owner)
        let values = setters.map(\.change.value)
        let bounds = setters.map(\.bounds)
        var bySetting: [GroupSetting.ID: (rules: [Int], policies: [Int])] = [:]
        for (index, setter) in setters.enumerated() {
            if setter.isPolicy { bySetting[setter.change.id, default: ([], [])].policies.append(index) } else { bySetting[setter.change.id, default: ([], [])].rules.append(index) }
        }
        // All pairs are counted; only the first `maximumWarnings` (by place) are kept, in order.
        // Settings are independent: checked side by side, then merged.
        let settings = Array(bySetting)
        let found = SideBySide.map(settings.count) { index -> (count: Int, first: FirstPairs) in
            let (setting, members) = settings[index]
            var count = 0
            var first = FirstPairs(limit: maximumWarnings)
            for (position, policy) in members.policies.enumerated() {
                for other in [members.rules[...], members.policies[(position + 1)...]].joined() {
                    guard owners[policy] != owners[other], values[policy] != values[other],
                          footprints[policy].overlaps(footprints[other]),
                          bounds[policy].overlaps(bounds[other], setting: setting) else { continue }
                    count += 1
                    first.offer(Pair(earlier: min(policy, other), later: max(policy, other)))
                }
            }
            return (count, first)
        }
        let count = found.reduce(0) { $0 + $1.count }
        var first = FirstPairs(limit: maximumWarnings)
        for part in found {
            for pair in part.first.sorted { first.offer(pair) }
        }
        let pairs = first.sorted
        var warnings: [RuleWarning] = []
        for pair in pairs {
            // Reported at the later place, naming the earlier.
            let (earlier, later) = (setters[pair.earlier], setters[pair.later])
            let setting = earlier.change.setting
            let place = earlier.location.map { " (\($0))" } ?? ""
            warnings.append(RuleWarning(
                location: later.location,
                message: "\(later.what) sets \(setting.key) to \(setting.ruleText(later.change.value)), and \(earlier.what)\(place) sets it to "
                    + "\(setting.ruleText(earlier.change.value)), on groups both can select: one undoes the other",
                suggestion: "give the policy an if: that the other rules out (member_count ranges that do not overlap, or a setting: on another value), "
                    + "or select groups that do not overlap"))
        }
        if count > maximumWarnings {
            warnings.append(RuleWarning(
                location: nil,
                message: "and \(count - maximumWarnings) more pairs of a rule and a policy, or two policies, that set one setting to different values",
                suggestion: "the first \(maximumWarnings) are listed; fix those and check again"))
        }
        return Report(warnings: warnings, pairs: count)
    }

    struct Pair: Comparable {
        let earlier: Int
        let later: Int

        static func < (lhs: Pair, rhs: Pair) -> Bool { (lhs.earlier, lhs.later) < (rhs.earlier, rhs.later) }
    }

    /// The `limit` smallest pairs offered, without keeping (or sorting) all of them: a rule set
    /// can hold hundreds of thousands of conflicting pairs, of which a hundred are listed.
    struct FirstPairs {
        let limit: Int
        private var kept: [Pair] = []
        /// Once `limit` pairs are known to be at most this, a pair not below it is not among the first.
        private var bound: Pair?

        init(limit: Int) { self.limit = limit }

        mutating func offer(_ pair: Pair) {
            if let bound, !(pair < bound) { return }
            kept.append(pair)
            if kept.count > 2 * limit {
                kept.sort()
                kept.removeLast(kept.count - limit)
                bound = kept.last
            }
        }

        var sorted: [Pair] { Array(kept.sorted().prefix(limit)) }
    }

    /// Where a setter can act, for the pair loop: the kinds its pattern and kind-only entries
    /// reach, the kinds of its listed-JID entries, and those entries.
    struct Reach {
        let open: UInt8
        let listedKinds: UInt8
        let listed: [Footprint]

        init(_ footprints: [Footprint]) {
            open = footprints.reduce(0) { $1.jids == nil ? $0 | $1.kinds : $0 }
            listed = footprints.filter { $0.jids != nil }
            listedKinds = listed.reduce(0) { $0 | $1.kinds }
        }

        /// Whether the two can share a group (what `overlap` of the footprints says, cheaply).
        func overlaps(_ other: Reach) -> Bool {
            if open & (other.open | other.listedKinds) != 0 || other.open & listedKinds != 0 { return true }
            guard listedKinds & other.listedKinds != 0 else { return false }
            return ConflictCheck.overlap(listed, other.listed)
        }
    }

    /// Parts of a `groups:` footprint: the kinds they can select, and the JIDs when only listed
    /// JIDs can match (nil when a subject pattern or a kind alone selects).
    private static func footprint(_ targets: GroupTargets, _ selectors: [String: Footprint]) -> [Footprint] {
        switch targets {
        case .all:
            return [Footprint(kinds: [.group], jids: nil)]
        case .some(let references):
            return references.compactMap { reference in
                switch reference {
                case .jid(let jid):
                    return Footprint(kinds: [.group], jids: [jid])
                case .named(let name):
                    return selectors[name]
                }
            }
        }
    }

    /// Whether two footprints can share a group: a kind in common, and JIDs in common unless a
    /// pattern or a kind alone selects on one side.
    private static func overlap(_ left: [Footprint], _ right: [Footprint]) -> Bool {
        for a in left {
            for b in right where a.kinds & b.kinds != 0 {
                guard let aJIDs = a.jids, let bJIDs = b.jids else { return true }
                // Disjoint bit masks mean disjoint sets, without hashing a JID.
                if a.mask & b.mask != 0, !aJIDs.isDisjoint(with: bJIDs) { return true }
            }
        }
        return false
    }

    /// What one entry of `groups:` can select: its kinds (a bit each) and, when only listed JIDs
    /// can match, those JIDs.
    struct Footprint {
        let kinds: UInt8
        let jids: Set<GroupJID>?
        /// A bit per JID (by a hash of its text): sets whose masks share no bit share no JID.
        let mask: UInt64

        init(kinds: Set<GroupKind>, jids: Set<GroupJID>?) {
            self.mask = (jids ?? []).reduce(0) { mask, jid in
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs
                for byte in jid.rawValue.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                return mask | (1 << (hash % 64))
            }
            self.kinds = kinds.reduce(0) { bits, kind in
                bits | (1 << UInt8(GroupKind.allCases.firstIndex(of: kind) ?? 0))
            }
            self.jids = jids
        }
    }
}
