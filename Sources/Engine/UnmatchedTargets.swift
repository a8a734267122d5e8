public import Rules
public import WadialAPI
import WadialModels

/// Rules and policies whose `groups:` match no group of the account: most often a typo in a JID
/// or a pattern, or a community's group named without its kind. `plan`, `explain` and the first
/// tick of `run` warn of each. The text is as written (selector names, patterns): escaped where
/// it is shown (the log handlers, `plan`'s and `explain`'s output).
public enum UnmatchedTargets {
    /// One warning per enabled rule or policy that selects none of `listed`, naming its selectors.
    public static func warnings(_ rules: RuleSet, listed: [Group]) -> [String] {
        var warnings: [String] = []
        let targets = rules.rules.filter(\.enabled).map { ("rule", $0.id, $0.location, $0.groups) }
            + rules.policies.filter(\.enabled).map { ("policy", $0.id, $0.location, $0.groups) }
        for (what, id, location, groups) in targets where !listed.contains(where: { rules.selects(groups, $0) }) {
            let place = location.map { " (\($0))" } ?? ""
            warnings.append("\(what) \"\(id)\"\(place): its groups match no group of the account: \(describe(groups, rules, listed))")
        }
        return warnings
    }

    static func describe(_ targets: GroupTargets, _ rules: RuleSet, _ listed: [Group]) -> String {
        let byJID = Dictionary(listed.map { ($0.jid, $0) }, uniquingKeysWith: { first, _ in first })
        switch targets {
        case .all:
            return listed.isEmpty ? "\"*\" (the account is in no group)"
                : "\"*\" (every ordinary group; the account's \(listed.count) group\(listed.count == 1 ? " is a community's" : "s are communities'"))"
        case .some(let references):
            return references.map { reference -> String in
                switch reference {
                case .jid(let jid):
                    guard let group = byJID[jid] else { return "\(jid) (not in the account's group list)" }
                    return "\(jid) (a \(group.kind.label); only a selector with kind: \(group.kind) selects it)"
                case .named(let name):
                    let shown = name
                    guard let selector = rules.selector(named: name) else { return "\"\(shown)\"" }
                    var parts: [String] = []
                    if let pattern = selector.subjectPattern { parts.append("subject /\(pattern)/") }
                    if !selector.jids.isEmpty {
                        let missing = selector.jids.filter { byJID[$0] == nil }.count
                        let otherKind = selector.jids.compactMap { byJID[$0] }.filter { !selector.selectedKinds.contains($0.kind) }
                        var text = "\(selector.jids.count) JID\(selector.jids.count == 1 ? "" : "s")"
                        if missing > 0 { text += ", \(missing) not in the group list" }
                        if let first = otherKind.first { text += ", \(first.jid) is a \(first.kind.label) (add kind: \(first.kind))" }
                        parts.append(text)
                    }
                    parts.append("kind \(selector.selectedKinds.map(\.rawValue).sorted().joined(separator: ", "))")
                    let place = selector.location.map { " at \($0)" } ?? ""
                    return "\"\(shown)\"\(place) (\(parts.joined(separator: "; ")))"
                }
            }.joined(separator: ", ")
        }
    }
}
