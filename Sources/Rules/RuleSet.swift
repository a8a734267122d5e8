public import WadialModels
public import YAML

/// Every rule file of one folder, loaded and validated: what the engine runs.
public struct RuleSet: Sendable, Hashable {
    public var settings: Settings
    /// Session ids from `sessions:`; nil when no file names them (the engine then uses `WADIAL_SESSION_ID`).
    public var sessions: [String]?
    /// Named selectors from `groups:`, in file order.
    public var groupSelectors: [GroupSelector]
    public var rules: [Rule]
    public var policies: [Policy]
    /// The files the set was loaded from, in load order.
    public var files: [String]

    public init(settings: Settings = Settings(), sessions: [String]? = nil, groupSelectors: [GroupSelector] = [], rules: [Rule] = [], policies: [Policy] = [], files: [String] = []) {
        self.settings = settings
        self.sessions = sessions
        self.groupSelectors = groupSelectors
        self.rules = rules
        self.policies = policies
        self.files = files
    }

    public func selector(named name: String) -> GroupSelector? {
        groupSelectors.first { $0.name == name }
    }

    public func rule(id: String) -> Rule? {
        rules.first { $0.id == id }
    }

    /// Whether `targets` (a rule's or policy's `groups:`) selects the group with this JID,
    /// subject and kind: `"*"` selects every ordinary group; a JID selects itself if it is an
    /// ordinary group; a name, its selector's groups (of the kinds the selector names).
    public func selects(_ targets: GroupTargets, jid: GroupJID, subject: String?, kind: GroupKind) -> Bool {
        switch targets {
        case .all:
            return kind == .group
        case .some(let references):
            return references.contains { reference in
                switch reference {
                case .jid(let listed): return listed == jid && kind == .group
                case .named(let name): return selector(named: name)?.matches(jid: jid, subject: subject, kind: kind) ?? false
                }
            }
        }
    }
}

/// Where something was written.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var mark: Mark

    public init(file: String, mark: Mark) {
        self.file = file
        self.mark = mark
    }

    public var description: String { "\(file):\(mark)" }
}

/// `enforce` acts; `audit` evaluates and records what it would do, and writes nothing.
public enum RuleMode: String, Sendable, Hashable, CaseIterable {
    case enforce, audit
}
