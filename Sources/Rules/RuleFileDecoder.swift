import Foundation
import YAML
import WadialModels

/// What one file contributes to a rule set, before the files are checked against each other.
struct RuleFile {
    var sessions: [String]?
    var groupSelectors: [GroupSelector] = []
    var rules: [Rule] = []
    var policies: [Policy] = []
    /// Selector names used by rules and policies, checked once every file's `groups:` is known.
    var groupNameUses: [(name: String, mark: Mark, path: KeyPath)] = []
    /// Where each rule and policy id was written.
    var idMarks: [(id: String, mark: Mark, path: KeyPath)] = []
    var groupNameMarks: [String: Mark] = [:]
}

/// Decodes the top level of one rule file.
struct RuleFileDecoder {
    static let topLevelKeys = ["version", "settings", "sessions", "groups", "rules", "policies"]
    static let settingsKeys = ["poll_interval", "timezone", "limits", "lease", "retention"]
    static let leaseKeys = ["duration", "margin"]
    static let retentionKeys = ["audit", "journal", "acted"]
    static let limitsKeys = ["mutations_per_minute", "requests_per_minute", "max_actions_per_run"]
    static let groupKeys = ["jids", "subject", "exclude", "kind"]

    let context: DecodingContext

    /// Only the `settings:` of a file: read first, since its timezone is every file's default.
    func decodeSettings(_ root: NodeRef) -> (Settings, Mark)? {
        guard let field = root.mapping?.pair("settings") else { return nil }
        let path = KeyPath.root.key("settings")
        guard let fields = context.fields(field.value, path, what: "settings", known: Self.settingsKeys) else { return nil }
        var settings = Settings()
        if let node = fields["poll_interval"]?.value,
           let value = context.duration(node, path.key("poll_interval"), minimum: Settings.minimumPollInterval) {
            settings.pollInterval = value
        }
        if let node = fields["timezone"]?.value, let zone = context.timezone(node, path.key("timezone")) {
            settings.timezone = zone
        }
        if let node = fields["limits"]?.value {
            let limitsPath = path.key("limits")
            if let limits = context.fields(node, limitsPath, what: "limits", known: Self.limitsKeys) {
                if let node = limits["mutations_per_minute"]?.value, let value = context.int(node, limitsPath.key("mutations_per_minute"), in: 1...10_000) {
                    settings.limits.mutationsPerMinute = value
                }
                if let node = limits["requests_per_minute"]?.value, let value = context.int(node, limitsPath.key("requests_per_minute"), in: 1...100_000) {
                    settings.limits.requestsPerMinute = value
                }
                if let node = limits["max_actions_per_run"]?.value, let value = context.int(node, limitsPath.key("max_actions_per_run"), in: 1...100_000) {
                    settings.limits.maxActionsPerRun = value
                }
            }
        }
        if let node = fields["lease"]?.value {
            decodeLease(node, path.key("lease"), into: &settings)
        }
        if let node = fields["retention"]?.value {
            let retentionPath = path.key("retention")
            if let retention = context.fields(node, retentionPath, what: "retention", known: Self.retentionKeys) {
                if let node = retention["audit"]?.value, let value = context.duration(node, retentionPath.key("audit"), minimum: .seconds(86_400)) {
                    settings.retention.audit = value
                }
                if let node = retention["journal"]?.value, let value = context.duration(node, retentionPath.key("journal"), minimum: .seconds(86_400)) {
                    settings.retention.journal = value
                }
                if let node = retention["acted"]?.value,
                   let value = context.duration(node, retentionPath.key("acted"), minimum: Settings.Retention.minimumActed) {
                    settings.retention.acted = value
                }
            }
        }
        return (settings, field.key.mark)
    }

    private func decodeLease(_ node: NodeRef, _ path: KeyPath, into settings: inout Settings) {
        guard let lease = context.fields(node, path, what: "lease", known: Self.leaseKeys) else { return }
        if let node = lease["duration"]?.value, let value = context.duration(node, path.key("duration"), minimum: Settings.minimumLeaseDuration) {
            if value > Settings.maximumLeaseDuration {
                context.report(node.mark, path.key("duration"), "expected a lease of at most 1h (a dead engine's sessions wait that long); found \(RuleDuration.format(value))")
            } else {
                settings.leaseDuration = value
            }
        }
        if let node = lease["margin"]?.value, let value = context.duration(node, path.key("margin"), minimum: Settings.minimumLeaseMargin) {
            let duration = settings.leaseDuration ?? settings.lease.duration
            if value * 2 > duration {
                context.report(node.mark, path.key("margin"), "the margin \(RuleDuration.format(value)) is more than half the lease (\(RuleDuration.format(duration))): "
                    + "the engine would stop writing before its first renewal", suggestion: "use at most \(RuleDuration.format(duration / 2)), or lengthen lease.duration")
            } else {
                settings.leaseMargin = value
            }
        }
    }

    /// The items of a file's `rules:` and `policies:`, with their paths.
    struct Items {
        var rules: [(NodeRef, KeyPath)] = []
        var policies: [(NodeRef, KeyPath)] = []
    }

    /// Rules and policies (some of a file's), decoded into `file` in order.
    func decode(_ rules: ArraySlice<(NodeRef, KeyPath)>, _ policies: ArraySlice<(NodeRef, KeyPath)>, defaultTimezone: String, into file: inout RuleFile) {
        let decoder = RuleDecoder(context: context, defaultTimezone: defaultTimezone)
        for (item, path) in rules {
            if let rule = decoder.decodeRule(item, path, into: &file) { file.rules.append(rule) }
        }
        for (item, path) in policies {
            if let policy = decoder.decodePolicy(item, path, into: &file) { file.policies.append(policy) }
        }
    }

    /// Everything of a file but its rules and policies, which are returned to be decoded (in
    /// parts, side by side, when the file is large).
    func header(_ root: NodeRef?) -> (RuleFile, Items) {
        var file = RuleFile()
        var items = Items()
        guard let root else {
            context.report(Mark(line: 1, column: 1), .root, "the file is empty; a rule file starts with `version: 1`")
            return (file, items)
        }
        guard let fields = context.fields(root, .root, what: "a rule file", known: Self.topLevelKeys, required: ["version"]) else {
            return (file, items)
        }
        if let node = fields["version"]?.value {
            if case .int(let version)? = node.value {
                if version != 1 {
                    context.report(node.mark, .root.key("version"), "unsupported version \(version); this engine reads version 1")
                }
            } else {
                context.expected("the number 1", found: node, .root.key("version"))
            }
        }
        // `settings:` is read by the loader before any file (its timezone is every file's default).
        if let node = fields["sessions"]?.value {
            file.sessions = context.list(node, .root.key("sessions"), what: "session ids", allowSingle: true)?
                .compactMap { context.nonEmptyString($0, $1, what: "a session id") }
        }
        if let node = fields["groups"]?.value {
            decodeGroupSelectors(node, into: &file)
        }
        if let node = fields["rules"]?.value, let list = context.list(node, .root.key("rules"), what: "rules", allowEmpty: true) {
            items.rules = list
        }
        if let node = fields["policies"]?.value, let list = context.list(node, .root.key("policies"), what: "policies", allowEmpty: true) {
            items.policies = list
        }
        return (file, items)
    }

    private func decodeGroupSelectors(_ node: NodeRef, into file: inout RuleFile) {
        let path = KeyPath.root.key("groups")
        guard let mapping = node.mapping else {
            context.expected("named group selectors (a mapping of names to selectors)", found: node, path)
            return
        }
        for pair in mapping.pairs {
            guard let name = pair.key.scalar?.string, !name.isEmpty else {
                context.report(pair.key.mark, path, "a group name must be a plain word; found \(pair.key.kindDescription)")
                continue
            }
            let selectorPath = path.key(name)
            if name == "*" || name.hasSuffix(GroupJID.suffix) {
                context.report(pair.key.mark, selectorPath, "\"\(name)\" cannot be a group name: it reads as \(name == "*" ? "every group" : "a group JID")")
                continue
            }
            guard let fields = context.fields(pair.value, selectorPath, what: "a group selector", known: Self.groupKeys) else { continue }
            var selector = GroupSelector(name: name, location: context.location(pair.key.mark))
            if let node = fields["jids"]?.value {
                selector.jids = groupJIDs(node, selectorPath.key("jids"))
            }
            if let node = fields["subject"]?.value, let pattern = context.nonEmptyString(node, selectorPath.key("subject"), what: "a regular expression") {
                if let problem = SubjectPattern.validate(pattern) {
                    context.report(node.mark, selectorPath.key("subject"), problem)
                } else {
                    selector.subjectPattern = pattern
                }
            }
            if let node = fields["exclude"]?.value {
                selector.exclude = groupJIDs(node, selectorPath.key("exclude"))
            }
            if let node = fields["kind"]?.value {
                selector.kinds = kinds(node, selectorPath.key("kind"))
            }
            if fields["jids"] == nil && fields["subject"] == nil && fields["kind"] == nil {
                context.report(pair.value.mark, selectorPath, "a group selector needs \"jids\", \"subject\" or \"kind\"")
            }
            file.groupNameMarks[name] = pair.key.mark
            file.groupSelectors.append(selector)
        }
    }

    /// `kind:`: one of `GroupKind` or a list of them; nil when an entry is wrong (reported).
    func kinds(_ node: NodeRef, _ path: KeyPath) -> Set<GroupKind>? {
        guard let items = context.list(node, path, what: "group kinds (\(GroupKind.allCases.map(\.rawValue).joined(separator: ", ")))", allowSingle: true) else { return nil }
        let kinds = items.compactMap { context.choice($0, $1, GroupKind.self) }
        return kinds.count == items.count ? Set(kinds) : nil
    }

    func groupJIDs(_ node: NodeRef, _ path: KeyPath) -> [GroupJID] {
        guard let items = context.list(node, path, what: "group JIDs", allowSingle: true) else { return [] }
        return items.compactMap { item, itemPath in
            guard let text = context.string(item, itemPath, what: "a group JID") else { return nil }
            guard let jid = GroupJID(text) else {
                context.report(item.mark, itemPath, "\"\(text.truncated)\" is not a group JID; expected digits followed by @g.us, like 120363000000000001@g.us")
                return nil
            }
            return jid
        }
    }
}
