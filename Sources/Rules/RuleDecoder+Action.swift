import Foundation
import WadialModels
import YAML

extension RuleDecoder {
    static let profileKeys = ["subject", "description"]
    static let participantsKeys = ["action", "numbers"]
    static let webhookKeys = ["url", "body", "headers"]

    func decodeActions(_ node: NodeRef, _ path: KeyPath, trigger: Trigger?) -> [Action]? {
        guard let items = context.list(node, path, what: "actions") else { return nil }
        var actions: [Action] = []
        var inviteAvailable = false
        var ok = true
        var decision: (RequestDecision, Mark)?
        for (item, itemPath) in items {
            guard let action = decodeAction(item, itemPath, trigger: trigger, inviteAvailable: inviteAvailable) else {
                ok = false
                continue
            }
            if let made = action.decision {
                if let (first, _) = decision, first != made {
                    context.report(item.mark, itemPath, "a rule decides each request once: \(first.actionName) and \(made.actionName) cannot both be in one rule",
                                   suggestion: "write a second rule with its own condition and use priority to order them")
                    ok = false
                }
                decision = (made, item.mark)
            }
            if action.kind == .rotateInvite { inviteAvailable = true }
            actions.append(action)
        }
        return ok ? actions : nil
    }

    private func decodeAction(_ node: NodeRef, _ path: KeyPath, trigger: Trigger?, inviteAvailable: Bool) -> Action? {
        let names = Action.Kind.names
        let name: String
        let keyMark: Mark
        var value: NodeRef?
        switch node.view {
        case .scalar(let scalar) where scalar.value != .null:
            name = scalar.string
            keyMark = scalar.mark
        case .mapping(let mapping) where mapping.pairs.count == 1:
            guard let key = mapping.pairs[0].key.scalar?.string else {
                context.expected("an action name", found: mapping.pairs[0].key, path)
                return nil
            }
            name = key
            keyMark = mapping.pairs[0].key.mark
            value = mapping.pairs[0].value
        case .mapping(let mapping) where mapping.pairs.count > 1:
            let keys = mapping.pairs.compactMap { $0.key.scalar?.string }.joined(separator: ", ")
            context.report(node.mark, path, "an action is a single key; found \(mapping.pairs.count) (\(keys))", suggestion: "write each action as its own list item")
            return nil
        default:
            context.expected("an action (\(names.joined(separator: ", ")))", found: node, path)
            return nil
        }
        guard let kind = Action.Kind(name: name) else {
            context.report(keyMark, path, "unknown action \"\(name.truncated)\"; expected one of \(names.joined(separator: ", "))",
                           suggestion: Suggestion.closest(to: name, among: names).map { "did you mean \"\($0)\"?" })
            return nil
        }
        let valuePath = path.key(name)
        if case .decide = kind, let trigger {
            guard case .membershipRequests = trigger else {
                context.report(keyMark, valuePath, "\(name) decides join requests and needs the membership_requests trigger; this rule's trigger is \(trigger.name)")
                return nil
            }
        }
        if kind.takesNoValue {
            if let value, value.value != .null, value.mapping?.pairs.isEmpty != true {
                context.report(value.mark, valuePath, "\(name) takes no options; found \(value.kindDescription)", suggestion: "write `- \(name)`")
                return nil
            }
            switch kind {
            case .decide(let decision): return .decide(decision)
            case .rotateInvite: return .rotateInvite
            default: return .leaveGroup
            }
        }
        guard let value, value.value != .null else {
            context.report(keyMark, valuePath, "\(name) needs a value", suggestion: "for example `- \(Self.example(kind))`")
            return nil
        }
        switch kind {
        case .setting(let id):
            return context.settingValue(value, valuePath, id.setting).map { Action.setting(SettingChange(id, $0)) }
        case .updateProfile: return updateProfile(value, valuePath, inviteAvailable: inviteAvailable)
        case .participants: return participants(value, valuePath).map(Action.participants)
        case .webhook: return webhook(value, valuePath, inviteAvailable: inviteAvailable).map(Action.webhook)
        case .log: return context.template(value, valuePath, inviteAvailable: inviteAvailable).map(Action.log)
        default: return nil
        }
    }

    static func example(_ kind: Action.Kind) -> String {
        switch kind {
        case .setting(let id): id.setting.example
        case .updateProfile: "update_profile: { description: \"...\" }"
        case .participants: "participants: { action: add, numbers: [\"+15551234567\"] }"
        case .webhook: "webhook: { url: \"https://example.org/hook\" }"
        case .log: "log: \"message\""
        default: kind.name
        }
    }

    private func updateProfile(_ node: NodeRef, _ path: KeyPath, inviteAvailable: Bool) -> Action? {
        guard let fields = context.fields(node, path, what: "update_profile options", known: Self.profileKeys) else { return nil }
        guard !fields.isEmpty else {
            context.report(node.mark, path, "update_profile needs \"subject\", \"description\" or both")
            return nil
        }
        let subject = fields["subject"].map { context.template($0.value, path.key("subject"), inviteAvailable: inviteAvailable) }
        let description = fields["description"].map { context.template($0.value, path.key("description"), inviteAvailable: inviteAvailable) }
        if case .some(.none) = subject { return nil }
        if case .some(.none) = description { return nil }
        return .updateProfile(subject: subject ?? nil, description: description ?? nil)
    }

    private func participants(_ node: NodeRef, _ path: KeyPath) -> ParticipantsAction? {
        guard let fields = context.fields(node, path, what: "participants options", known: Self.participantsKeys, required: ["action", "numbers"]) else { return nil }
        let operation = fields["action"].flatMap { context.choice($0.value, path.key("action"), ParticipantOperation.self) }
        var members: [UserJID] = []
        var ok = true
        if let field = fields["numbers"], let items = context.list(field.value, path.key("numbers"), what: "phone numbers or user JIDs", allowSingle: true) {
            for (item, itemPath) in items {
                guard let text = context.string(item, itemPath, what: "a phone number or user JID") else { ok = false; continue }
                if let jid = UserJID(text) {
                    members.append(jid)
                } else if let number = PhoneNumber(text) {
                    members.append(UserJID(phoneNumber: number))
                } else {
                    ok = false
                    context.report(item.mark, itemPath, "\"\(text.truncated)\" is neither a phone number (6 to 15 digits after + or 00) nor a user JID (…@s.whatsapp.net or …@lid)")
                }
            }
        } else {
            ok = false
        }
        guard let operation, ok else { return nil }
        return ParticipantsAction(operation: operation, members: members)
    }

    private func webhook(_ node: NodeRef, _ path: KeyPath, inviteAvailable: Bool) -> Webhook? {
        guard let fields = context.fields(node, path, what: "webhook options", known: Self.webhookKeys, required: ["url"]) else { return nil }
        var ok = true
        var url: Template?
        if let field = fields["url"], let template = context.template(field.value, path.key("url"), inviteAvailable: inviteAvailable) {
            let text = template.source.lowercased()
            // The scheme, host and port are written out: a value (a subject members may change)
            // must never choose where the rule's headers go.
            let afterScheme = text.split(separator: "://", maxSplits: 1).last.map(String.init) ?? ""
            let authority = afterScheme.prefix { !"/?#".contains($0) }
            if !(text.hasPrefix("https://") || text.hasPrefix("http://")) || URL(string: template.render([:])) == nil {
                context.report(field.value.mark, path.key("url"), "expected an absolute http:// or https:// URL; found \"\(template.source.truncated)\"")
            } else if authority.contains("{{") {
                context.report(field.value.mark, path.key("url"), "the host and port of a webhook URL are written out, not templates: a value must not choose where the request goes",
                               suggestion: "put {{…}} in the path or the query")
            } else if let problem = HTTPURLCheck.problem(template.render([:]), base: false) {
                context.report(field.value.mark, path.key("url"), "\"\(template.source.truncated)\" \(problem)")
            } else {
                url = template
            }
        }
        var body: Template?
        if let field = fields["body"] {
            body = context.template(field.value, path.key("body"), inviteAvailable: inviteAvailable)
            if body == nil { ok = false }
        }
        // Values are escaped in a webhook's URL and JSON body; an unescaped form there would let a
        // group subject (which members may change) add JSON fields or query parameters.
        for (template, key, escaping) in [(url, "url", "percent-encoded"), (body, "body", "JSON string content (unless a Content-Type header says the body is not JSON)")] {
            guard let template, let name = template.unescapedVariables.first, let node = fields[key]?.value else { continue }
            context.report(node.mark, path.key(key), "{{{\(name)}}} asks for the value unescaped; in a webhook's \(key) each {{…}} is \(escaping), so that a group subject cannot change what is sent",
                           suggestion: "write {{\(name)}}")
            ok = false
        }
        var headers: [String: String] = [:]
        if let field = fields["headers"] {
            if let mapping = field.value.mapping {
                for pair in mapping.pairs {
                    let headerPath = path.key("headers")
                    guard let name = pair.key.scalar?.string, !name.isEmpty,
                          name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) })
                    else {
                        context.report(pair.key.mark, headerPath, "a header name is letters, digits, - and _")
                        ok = false
                        continue
                    }
                    guard let value = context.string(pair.value, headerPath.key(name), what: "a header value") else { ok = false; continue }
                    if ["host", "content-length", "transfer-encoding", "connection"].contains(name.lowercased()) {
                        context.report(pair.key.mark, headerPath, "the \(name) header is set by the engine for the URL written, not by a rule")
                        ok = false
                        continue
                    }
                    if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x85 || $0.value == 0x2028 || $0.value == 0x2029 }) {
                        context.report(pair.value.mark, headerPath.key(name), "a header value must be one line")
                        ok = false
                        continue
                    }
                    headers[name] = value
                }
            } else {
                context.expected("headers (a mapping of names to values)", found: field.value, path.key("headers"))
                ok = false
            }
        }
        guard let url, ok else { return nil }
        return Webhook(url: url, body: body, headers: headers)
    }
}
