import Foundation
import YAML
import WadialModels

extension RuleDecoder {
    static let memberCountConditionKeys = ["above", "below"]
    static let timeKeys = ["after", "before", "weekdays", "timezone"]

    /// A condition mapping; several keys in one mapping must all hold.
    func decodeCondition(_ node: NodeRef, _ path: KeyPath, trigger: Trigger?) -> Condition? {
        guard let fields = context.fields(node, path, what: "a condition", known: Condition.names) else { return nil }
        guard let mapping = node.mapping, !mapping.pairs.isEmpty else {
            context.report(node.mark, path, "expected at least one condition (\(Condition.names.joined(separator: ", "))); found an empty mapping")
            return nil
        }
        var parts: [Condition] = []
        var ok = true
        // In source order, so that `all` evaluates as written.
        for pair in mapping.pairs {
            guard let key = pair.key.scalar?.string, let field = fields[key] else { continue }
            if let part = decodeConditionKey(key, field, path.key(key), trigger: trigger) {
                parts.append(part)
            } else {
                ok = false
            }
        }
        guard ok, !parts.isEmpty else { return nil }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private func decodeConditionKey(_ key: String, _ field: DecodingContext.Field, _ path: KeyPath, trigger: Trigger?) -> Condition? {
        let node = field.value
        if Condition.requesterNames.contains(key), let trigger {
            guard case .membershipRequests = trigger else {
                context.report(field.keyMark, path, "\(key) is about the person asking to join and needs the membership_requests trigger; this rule's trigger is \(trigger.name)")
                return nil
            }
        }
        switch key {
        case "number_prefix":
            return prefixes(node, path).map(Condition.numberPrefix)
        case "not_number_prefix":
            return prefixes(node, path).map(Condition.notNumberPrefix)
        case "number_unknown":
            return context.bool(node, path).map(Condition.numberUnknown)
        case "numbers_file":
            return numbersFile(node, path).map(Condition.numbersFile)
        case "member_count":
            guard let options = context.fields(node, path, what: "a member count range", known: Self.memberCountConditionKeys) else { return nil }
            guard !options.isEmpty else {
                context.report(node.mark, path, "expected \"above\", \"below\" or both")
                return nil
            }
            let above = options["above"].map { context.int($0.value, path.key("above"), in: 0...1_000_000) }
            let below = options["below"].map { context.int($0.value, path.key("below"), in: 1...1_000_000) }
            if case .some(.none) = above { return nil }
            if case .some(.none) = below { return nil }
            if let low = above ?? nil, let high = below ?? nil, low + 1 >= high {
                context.report(node.mark, path, "no count is above \(low) and below \(high) at once; this condition never holds")
                return nil
            }
            return .memberCount(above: above ?? nil, below: below ?? nil)
        case "time":
            return timeWindow(node, path).map(Condition.time)
        case "setting":
            return decodeSettings(node, path, what: "the settings to test").map(Condition.setting)
        case "subject":
            guard let pattern = context.nonEmptyString(node, path, what: "a regular expression") else { return nil }
            if let problem = SubjectPattern.validate(pattern) {
                context.report(node.mark, path, problem)
                return nil
            }
            return .subject(pattern)
        case "any", "all":
            guard let items = context.list(node, path, what: "conditions") else { return nil }
            let parts = items.map { decodeCondition($0, $1, trigger: trigger) }
            guard parts.allSatisfy({ $0 != nil }) else { return nil }
            let conditions = parts.compactMap { $0 }
            return key == "any" ? .any(conditions) : .all(conditions)
        default:  // "not"
            return decodeCondition(node, path, trigger: trigger).map(Condition.not)
        }
    }

    private func prefixes(_ node: NodeRef, _ path: KeyPath) -> [NumberPrefix]? {
        guard let items = context.list(node, path, what: "phone-number prefixes like \"+44\"", allowSingle: true) else { return nil }
        var result: [NumberPrefix] = []
        for (item, itemPath) in items {
            // The text as written: an unquoted +1 is the number 1 to YAML, and the prefix "1" to us.
            guard let text = context.string(item, itemPath, what: "a phone-number prefix like \"+44\"") else { continue }
            do {
                result.append(try NumberPrefix(parsing: text))
            } catch {
                let reason =
                    switch error {
                    case .empty: "is empty"
                    case .notDigits: "has characters other than digits, spaces and hyphens after the + or 00"
                    case .tooLong: "has more than 15 digits, longer than any phone number"
                    }
                context.report(item.mark, itemPath, "the prefix \"\(text.truncated)\" \(reason)", suggestion: "write prefixes like \"+1\", \"+44 20\" or \"0049\"")
            }
        }
        return result.count == items.count ? result : nil
    }

    private func numbersFile(_ node: NodeRef, _ path: KeyPath) -> NumbersFile? {
        guard let written = context.nonEmptyString(node, path, what: "a file path") else { return nil }
        let memo = context.directory + "\u{0}" + written
        let (resolved, key): (String, String)
        if let known = context.memo.resolutions[memo] {
            (resolved, key) = known
        } else {
            resolved = written.hasPrefix("/") ? written : (context.directory as NSString).appendingPathComponent(written)
            // One entry per file, however its path is spelled (`vetted.txt`, `./vetted.txt`).
            key = (resolved as NSString).standardizingPath
            context.memo.resolutions[memo] = (resolved, key)
        }
        // Read once per load (the shelf is shared by every file and part); its problems are
        // reported by the first rule of this context that names it, with that rule's path, and
        // kept from the first file and part only.
        let read = context.shelf.read(key) { NumbersFileRead(resolved) }
        if context.memo.numbersFilesNamed.insert(key).inserted {
            context.readingNumbersFile(key) {
                for finding in read.findings {
                    switch finding {
                    case .unreadable(let message, let suggestion): context.report(node.mark, path, message, suggestion: suggestion)
                    case .badLine(let source, let mark, let message): context.report(in: source, mark, path, message)
                    }
                }
            }
        }
        return read.numbers.map { NumbersFile(path: written, resolvedPath: resolved, numbers: $0) }
    }

    private func timeWindow(_ node: NodeRef, _ path: KeyPath) -> TimeWindow? {
        guard let options = context.fields(node, path, what: "a time window", known: Self.timeKeys) else { return nil }
        guard options["after"] != nil || options["before"] != nil || options["weekdays"] != nil else {
            context.report(node.mark, path, "a time window needs \"after\", \"before\", \"weekdays\" or some of them")
            return nil
        }
        var ok = true
        func clock(_ key: String) -> Int? {
            guard let field = options[key] else { return nil }
            guard let text = context.string(field.value, path.key(key), what: "a time like \"09:00\""), let minutes = TimeWindow.minutes(text) else {
                if field.value.scalar != nil {
                    context.report(field.value.mark, path.key(key), "expected a 24-hour time like \"09:00\" or \"17:30\"; found \(field.value.kindDescription)")
                }
                ok = false
                return nil
            }
            return minutes
        }
        let after = clock("after")
        let before = clock("before")
        if let after, let before, after == before {
            context.report(node.mark, path, "the window from \(TimeWindow.format(minutes: after)) to \(TimeWindow.format(minutes: before)) is empty")
            return nil
        }
        var weekdays: Set<Weekday>?
        if let field = options["weekdays"] {
            if let items = context.list(field.value, path.key("weekdays"), what: "weekdays like mon, tue", allowSingle: true) {
                var days = Set<Weekday>()
                for (item, itemPath) in items {
                    guard let name = context.string(item, itemPath, what: "a weekday") else { ok = false; continue }
                    if let day = Weekday(name: name) {
                        days.insert(day)
                    } else {
                        ok = false
                        let names = Weekday.allCases.sorted { ($0.rawValue + 6) % 7 < ($1.rawValue + 6) % 7 }.map(\.name)
                        context.report(item.mark, itemPath, "unknown weekday \"\(name.truncated)\"; expected one of \(names.joined(separator: ", "))",
                                       suggestion: Suggestion.closest(to: name, among: names).map { "did you mean \"\($0)\"?" })
                    }
                }
                weekdays = days
            } else {
                ok = false
            }
        }
        var timezone = defaultTimezone
        if let field = options["timezone"] {
            if let zone = context.timezone(field.value, path.key("timezone")) { timezone = zone } else { ok = false }
        }
        return ok ? TimeWindow(after: after, before: before, weekdays: weekdays, timezone: timezone) : nil
    }
}
