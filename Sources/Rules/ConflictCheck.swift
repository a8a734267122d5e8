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
    /// The member counts a condition allows (`above < count < below`) and the settings it requires.
    struct Bounds: Hashable {
        var above: Int?
        var below: Int?
        var settings: [GroupSetting.ID: SettingValue] = [:]

        static let any = Bounds()

        /// Cheap: the settings count stands for them (equal bounds are compared in full).
        func hash(into hasher: inout Hasher) {
            hasher.combine(above)
            hasher.combine(below)
            hasher.combine(settings.count)
        }

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
            if !other.settings.isEmpty { result.settings.merge(other.settings) { first, _ in first } }
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

    /// A setting's place in the table, for arrays by setting.
    static func place(_ id: GroupSetting.ID) -> Int { GroupSetting.ID.allCases.firstIndex(of: id) ?? 0 }
    static let settingCount = GroupSetting.ID.allCases.count

    public static func check(_ set: RuleSet) -> Report { check(set, slice: 1_000) }

    /// `slice`: rules gathered per thread (tests make it small).
    static func check(_ set: RuleSet, slice requested: Int) -> Report {
        let slice = max(requested, 1)
        // What each rule and policy can reach, worked out once per distinct `groups:`.
        var selectors: [String: Footprint] = [:]
        for selector in set.groupSelectors where selectors[selector.name] == nil {
            let listedOnly = selector.subjectPattern == nil && !selector.jids.isEmpty
            selectors[selector.name] = Footprint(kinds: selector.selectedKinds, jids: listedOnly ? Set(selector.jids).subtracting(selector.exclude) : nil)
        }
        // One setter per rule or policy and setting it sets, numbered rules first: slices of
        // the rules (and the policies) side by side, joined in order.
        let slices = Swift.stride(from: 0, to: set.rules.count, by: slice).map { $0..<min($0 + slice, set.rules.count) }
        let tables = SideBySide.map(slices.count + 1) { index -> Table in
            var table = Table()
            var reaches: [GroupTargets: Reach] = [:]
            func reach(_ targets: GroupTargets) -> Reach {
                if let known = reaches[targets] { return known }
                let reach = Reach(footprint(targets, selectors))
                reaches[targets] = reach
                return reach
            }
            guard index < slices.count else {
                for (index, policy) in set.policies.enumerated() where policy.enabled && policy.mode == .enforce {
                    let (groups, bounds) = (reach(policy.groups), Bounds(policy.condition))
                    for (setting, value) in policy.ensure.known {
                        table.append(owner: set.rules.count + index, change: SettingChange(setting.id, value), reach: groups, bounds: bounds, isPolicy: true)
                    }
                }
                return table
            }
            for owner in slices[index] where set.rules[owner].enabled && set.rules[owner].mode == .enforce {
                // A rule that sets a setting more than once leaves it at the last value: that is
                // what it wants. (By the setting's place in the table: hashing an ID hashes its name.)
                var last = [SettingChange?](repeating: nil, count: Self.settingCount)
                var order: [Int] = []
                for action in set.rules[owner].actions {
                    guard case .setting(let change) = action else { continue }
                    let place = Self.place(change.id)
                    if last[place] == nil { order.append(place) }
                    last[place] = change
                }
                guard !order.isEmpty else { continue }
                var bounds = Bounds(set.rules[owner].condition)
                if case .memberCount(let trigger) = set.rules[owner].trigger {
                    switch trigger.threshold {
                    case .above(let value): bounds = bounds.narrowed(by: Bounds(above: value))
                    case .below(let value): bounds = bounds.narrowed(by: Bounds(below: value))
                    }
                }
                let groups = reach(set.rules[owner].groups)
                for place in order {
                    guard let change = last[place] else { continue }
                    table.append(owner: owner, change: change, reach: groups, bounds: bounds, isPolicy: false)
                }
            }
            return table
        }
        var table = Table()
        for part in tables { table.append(contentsOf: part) }
        // Pairs with a policy in them, of one setting: each policy against every rule and every
        // later policy that set the same setting (rules against rules are never paired).
        var bySetting = [Members](repeating: ([], []), count: Self.settingCount)
        for index in table.changes.indices {
            let place = Self.place(table.changes[index].id)
            if table.isPolicy[index] { bySetting[place].policies.append(index) } else { bySetting[place].rules.append(index) }
        }
        // All pairs are counted; only the first `maximumWarnings` (by place) are kept, in order.
        // Settings are independent: checked side by side, then merged.
        let settings = zip(GroupSetting.ID.allCases, bySetting).filter { !$0.1.policies.isEmpty }
        let found = SideBySide.map(settings.count) { index -> (count: Int, first: FirstPairs) in
            let (setting, members) = settings[index]
            return byClass(setting, members, table)
        }
        let count = found.reduce(0) { $0 + $1.count }
        var first = FirstPairs(limit: maximumWarnings)
        for part in found {
            for pair in part.first.sorted { first.offer(pair) }
        }
        func what(_ setter: Int) -> (name: String, location: SourceLocation?) {
            let owner = table.owners[setter]
            if owner < set.rules.count { return ("rule \"\(set.rules[owner].id)\"", set.rules[owner].location) }
            let policy = set.policies[owner - set.rules.count]
            return ("policy \"\(policy.id)\"", policy.location)
        }
        var warnings: [RuleWarning] = []
        for pair in first.sorted {
            // Reported at the later place, naming the earlier.
            let (earlier, later) = (what(pair.earlier), what(pair.later))
            let (earlierChange, laterChange) = (table.changes[pair.earlier], table.changes[pair.later])
            let setting = earlierChange.setting
            let place = earlier.location.map { " (\($0))" } ?? ""
            warnings.append(RuleWarning(
                location: later.location,
                message: "\(later.name) sets \(setting.key) to \(setting.ruleText(laterChange.value)), and \(earlier.name)\(place) sets it to "
                    + "\(setting.ruleText(earlierChange.value)), on groups both can select: one undoes the other",
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

    typealias Members = (rules: [Int], policies: [Int])

    /// The setters (one per rule or policy and setting it sets: a rule keeps its last change of
    /// a setting, a policy ensures each setting once, so no two setters of one setting share an
    /// owner, and the class count need not leave such pairs out) as plain arrays: the pair loops
    /// read them, not `Setter` copies. Reaches and bounds are numbered by value, so that alike
    /// setters are found by comparing integers.
    struct Table {
        private(set) var owners: [Int] = []
        private(set) var changes: [SettingChange] = []
        private(set) var reaches: [Reach] = []
        private(set) var bounds: [Bounds] = []
        private(set) var isPolicy: [Bool] = []
        private(set) var reachIDs: [Int] = []
        private(set) var boundsIDs: [Int] = []
        private var reachNumbers: [Reach: Int] = [:]
        private var boundsNumbers: [Bounds: Int] = [:]

        mutating func append(owner: Int, change: SettingChange, reach: Reach, bounds: Bounds, isPolicy: Bool) {
            owners.append(owner)
            changes.append(change)
            reaches.append(reach)
            self.bounds.append(bounds)
            self.isPolicy.append(isPolicy)
            reachIDs.append(Self.number(reach, in: &reachNumbers))
            boundsIDs.append(Self.number(bounds, in: &boundsNumbers))
        }

        /// Another table's setters after these, its reaches and bounds numbered as these are
        /// (each distinct one looked up once).
        mutating func append(contentsOf other: Table) {
            var reachNumber = [Int](repeating: 0, count: other.reachNumbers.count)
            for (reach, number) in other.reachNumbers { reachNumber[number] = Self.number(reach, in: &reachNumbers) }
            var boundsNumber = [Int](repeating: 0, count: other.boundsNumbers.count)
            for (bounds, number) in other.boundsNumbers { boundsNumber[number] = Self.number(bounds, in: &boundsNumbers) }
            owners += other.owners
            changes += other.changes
            reaches += other.reaches
            bounds += other.bounds
            isPolicy += other.isPolicy
            reachIDs += other.reachIDs.map { reachNumber[$0] }
            boundsIDs += other.boundsIDs.map { boundsNumber[$0] }
        }

        private static func number<Key: Hashable>(_ key: Key, in numbers: inout [Key: Int]) -> Int {
            if let known = numbers[key] { return known }
            numbers[key] = numbers.count
            return numbers.count - 1
        }

        /// Whether the setters `a` and `b` (of one setting) undo each other.
        func conflict(_ a: Int, _ b: Int, setting: GroupSetting.ID) -> Bool {
            changes[a].value != changes[b].value && reaches[a].overlaps(reaches[b]) && bounds[a].overlaps(bounds[b], setting: setting)
        }
    }

    /// Setters that conflict with the same others: the same reach, value and bounds. Pairs are
    /// counted a class against a class (a rule set of thousands of rules has a few hundred
    /// classes per setting), and only the pairs that can be among the first are enumerated.
    struct Class: Hashable {
        let reach: Int
        let value: SettingValue
        let bounds: Int
    }

    /// The setters of `indices` by class, each class's members in ascending order, the classes in
    /// the order of their first member.
    static func classes(_ indices: [Int], _ table: Table) -> [[Int]] {
        var position: [Class: Int] = [:]
        var classes: [[Int]] = []
        for index in indices {
            let key = Class(reach: table.reachIDs[index], value: table.changes[index].value, bounds: table.boundsIDs[index])
            if let known = position[key] {
                classes[known].append(index)
            } else {
                position[key] = classes.count
                classes.append([index])
            }
        }
        return classes
    }

    static func byClass(_ setting: GroupSetting.ID, _ members: Members, _ table: Table) -> (count: Int, first: FirstPairs) {
        let rules = classes(members.rules, table)
        let policies = classes(members.policies, table)
        // Counted: each policy class against the rule classes through an index (thousands of
        // classes of rules), and against every policy of a later class (one class holds one
        // value: its members never conflict with each other). At most the square of the setters
        // held in memory: far from overflowing.
        let index = RuleIndex(rules, table, setting: setting)
        var count = 0
        for (position, policy) in policies.enumerated() {
            count += policy.count * index.conflicting(policy[0], table)
            for other in policies[(position + 1)...] where table.conflict(policy[0], other[0], setting: setting) {
                count += policy.count * other.count
            }
        }
        // Listed: only the class pairs whose smallest pair can still be among the first are
        // tested; rule classes by group, in order, until their pairs come too late.
        var first = FirstPairs(limit: maximumWarnings)
        for (position, policy) in policies.enumerated() {
            for group in index.groups(for: policy[0], table) {
                for member in group.classes {
                    let other = rules[member]
                    // Rules are numbered before policies: the smallest pair grows with the class.
                    guard first.mayTake(Pair(earlier: min(policy[0], other[0]), later: max(policy[0], other[0]))) else { break }
                    if table.reaches[policy[0]].overlaps(table.reaches[other[0]]) { first.offer(policy, other) }
                }
            }
            for other in policies[(position + 1)...] {
                guard first.mayTake(Pair(earlier: min(policy[0], other[0]), later: max(policy[0], other[0]))),
                      table.conflict(policy[0], other[0], setting: setting) else { continue }
                first.offer(policy, other)
            }
        }
        return (count, first)
    }

    /// The rule classes of one setting, for counting the rules a setter conflicts with without
    /// testing every class: grouped by value and bounds (a few groups); in a group, classes
    /// whose reach is open on some kinds are summed by their kind masks (a few sums), and classes
    /// that only list JIDs are found by their JIDs.
    struct RuleIndex {
        struct Group {
            let representative: Int
            /// The group's classes (their places among the rule classes), in order.
            var classes: [Int] = []
            /// Members by `Reach.masks` (open kinds, listed kinds).
            var byMasks: [Int: Int] = [:]
            /// Classes (their first setter and size) by the JIDs they list.
            var byJID: [GroupJID: [(setter: Int, size: Int)]] = [:]
        }

        let setting: GroupSetting.ID
        private(set) var groups: [Group] = []

        init(_ classes: [[Int]], _ table: Table, setting: GroupSetting.ID) {
            self.setting = setting
            var position: [Pair: Int] = [:]
            var valueNumbers: [SettingValue: Int] = [:]
            for (place, members) in classes.enumerated() {
                let setter = members[0]
                // A value is one of a handful: its place among the group's values is not needed,
                // only that two classes in a group share it (Pair holds two integers).
                let key = Pair(earlier: table.boundsIDs[setter], later: Self.valueNumber(table.changes[setter].value, &valueNumbers))
                let index: Int
                if let known = position[key] {
                    index = known
                } else {
                    index = groups.count
                    position[key] = index
                    groups.append(Group(representative: setter))
                }
                let reach = table.reaches[setter]
                groups[index].classes.append(place)
                groups[index].byMasks[reach.masks, default: 0] += members.count
                for footprint in reach.listed {
                    for jid in footprint.jids ?? [] { groups[index].byJID[jid, default: []].append((setter, members.count)) }
                }
            }
        }

        private static func valueNumber(_ value: SettingValue, _ numbers: inout [SettingValue: Int]) -> Int {
            if let known = numbers[value] { return known }
            numbers[value] = numbers.count
            return numbers.count - 1
        }

        /// The groups whose rules conflict with `setter` where their groups overlap: another
        /// value, bounds that overlap.
        func groups(for setter: Int, _ table: Table) -> [Group] {
            groups.filter { group in
                let other = group.representative
                return table.changes[setter].value != table.changes[other].value && table.bounds[setter].overlaps(table.bounds[other], setting: setting)
            }
        }

        /// The rules that conflict with `setter` (a policy of this setting).
        func conflicting(_ setter: Int, _ table: Table) -> Int {
            let reach = table.reaches[setter]
            var count = 0
            for group in groups(for: setter, table) {
                // Reaches that share a kind one of them is open on overlap, whatever they list.
                for (masks, size) in group.byMasks where reach.overlapsByKinds(masks: masks) {
                    count += size
                }
                // The rest overlap only by a listed JID in common.
                guard reach.listedKinds != 0 else { continue }
                var seen: Set<Int> = []
                for footprint in reach.listed {
                    for jid in footprint.jids ?? [] {
                        for (candidate, size) in group.byJID[jid] ?? [] where seen.insert(candidate).inserted {
                            let theirs = table.reaches[candidate]
                            if !reach.overlapsByKinds(masks: theirs.masks), reach.overlaps(theirs) { count += size }
                        }
                    }
                }
            }
            return count
        }
    }

    /// The plain loop: every policy against every rule and every later policy (what `byClass`
    /// must count and list; the tests compare the two).
    static func pairByPair(_ setting: GroupSetting.ID, _ members: Members, _ table: Table) -> (count: Int, first: FirstPairs) {
        var count = 0
        var first = FirstPairs(limit: maximumWarnings)
        for (position, policy) in members.policies.enumerated() {
            for other in [members.rules[...], members.policies[(position + 1)...]].joined() {
                guard table.owners[policy] != table.owners[other], table.conflict(policy, other, setting: setting) else { continue }
                count += 1
                first.offer(Pair(earlier: min(policy, other), later: max(policy, other)))
            }
        }
        return (count, first)
    }

    struct Pair: Comparable, Hashable {
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

        /// Whether `pair` can still be among the first (false: it and every larger pair cannot).
        func mayTake(_ pair: Pair) -> Bool {
            guard let bound else { return true }
            return pair < bound
        }

        /// Whether `pair` may be among the first (false: it and every larger pair are not).
        @discardableResult
        mutating func offer(_ pair: Pair) -> Bool {
            if let bound, !(pair < bound) { return false }
            kept.append(pair)
            if kept.count > 2 * limit {
                kept.sort()
                kept.removeLast(kept.count - limit)
                bound = kept.last
            }
            return true
        }

        /// Every pair of a member of `left` and a member of `right` (both ascending, no member in
        /// both), offered until the rest cannot be among the first: for one member of `left`, its
        /// pairs grow with the member of `right`, and each member's smallest pair grows with it.
        mutating func offer(_ left: [Int], _ right: [Int]) {
            for a in left {
                var any = false
                for b in right {
                    guard offer(Pair(earlier: min(a, b), later: max(a, b))) else { break }
                    any = true
                }
                if !any { return }
            }
        }

        var sorted: [Pair] { Array(kept.sorted().prefix(limit)) }
    }

    /// Where a setter can act, for the pair loop: the kinds its pattern and kind-only entries
    /// reach, the kinds of its listed-JID entries, and those entries.
    struct Reach: Hashable {
        let open: UInt8
        let listedKinds: UInt8
        let listed: [Footprint]

        func hash(into hasher: inout Hasher) {
            hasher.combine(open)
            hasher.combine(listedKinds)
            hasher.combine(listed.count)
            for footprint in listed { hasher.combine(footprint) }
        }

        init(_ footprints: [Footprint]) {
            open = footprints.reduce(0) { $1.jids == nil ? $0 | $1.kinds : $0 }
            listed = footprints.filter { $0.jids != nil }
            listedKinds = listed.reduce(0) { $0 | $1.kinds }
        }

        /// Whether the two can share a group (what `overlap` of the footprints says, cheaply).
        func overlaps(_ other: Reach) -> Bool {
            if overlapsByKinds(masks: other.masks) { return true }
            guard listedKinds & other.listedKinds != 0 else { return false }
            return ConflictCheck.overlap(listed, other.listed)
        }

        /// The open kinds and the listed kinds in one number.
        var masks: Int { Int(open) << 8 | Int(listedKinds) }

        /// Whether a reach with these `masks` shares a kind with this one where one of the two
        /// is open on it (then they overlap, whatever they list).
        func overlapsByKinds(masks: Int) -> Bool {
            let (otherOpen, otherListed) = (UInt8(truncatingIfNeeded: masks >> 8), UInt8(truncatingIfNeeded: masks))
            return open & (otherOpen | otherListed) != 0 || otherOpen & listedKinds != 0
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
    struct Footprint: Hashable {
        let kinds: UInt8
        let jids: Set<GroupJID>?
        /// A bit per JID (by a hash of its text): sets whose masks share no bit share no JID.
        let mask: UInt64
        /// The sum of the JIDs' hashes: equal sets have equal prints, whatever their order.
        let print: UInt64

        /// Cheap: the print stands for the JIDs (footprints with equal hashes are compared in full).
        func hash(into hasher: inout Hasher) {
            hasher.combine(kinds)
            hasher.combine(print)
            hasher.combine(jids == nil)
        }

        static func == (lhs: Footprint, rhs: Footprint) -> Bool {
            lhs.kinds == rhs.kinds && lhs.print == rhs.print && lhs.jids == rhs.jids
        }

        init(kinds: Set<GroupKind>, jids: Set<GroupJID>?) {
            var mask: UInt64 = 0
            var print: UInt64 = 0
            for jid in jids ?? [] {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs
                for byte in jid.rawValue.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                mask |= 1 << (hash % 64)
                print = print &+ hash
            }
            self.mask = mask
            self.print = print
            self.kinds = kinds.reduce(0) { bits, kind in
                bits | (1 << UInt8(GroupKind.allCases.firstIndex(of: kind) ?? 0))
            }
            self.jids = jids
        }
    }
}
