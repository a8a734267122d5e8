import Foundation
import YAML

extension RuleDecoder {
    static let membershipKeys = ["pending_for"]
    static let memberCountKeys = ["above", "below", "for", "rearm"]
    static let scheduleKeys = ["cron", "every", "timezone", "missed"]

    func decodeTrigger(_ node: NodeRef, _ path: KeyPath) -> Trigger? {
        guard let fields = context.fields(node, path, what: "a trigger", known: Trigger.names) else { return nil }
        guard fields.count == 1, let (name, field) = fields.first else {
            let found = fields.isEmpty ? "none" : fields.keys.sorted().joined(separator: ", ")
            context.report(node.mark, path, "a rule has exactly one trigger (\(Trigger.names.joined(separator: ", "))); found \(found)",
                           suggestion: fields.count > 1 ? "split it into one rule per trigger" : nil)
            return nil
        }
        let triggerPath = path.key(name)
        let value = field.value
        // `membership_requests:` with nothing after it is the same as `{}` (`nullIsEmpty`).
        let body = value
        switch name {
        case "membership_requests":
            guard let options = context.fields(body, triggerPath, what: "membership_requests options", known: Self.membershipKeys, nullIsEmpty: true) else { return nil }
            var trigger = MembershipRequestTrigger()
            if let node = options["pending_for"]?.value {
                guard let duration = context.duration(node, triggerPath.key("pending_for")) else { return nil }
                trigger.pendingFor = duration
            }
            return .membershipRequests(trigger)
        case "member_count":
            return decodeMemberCount(body, triggerPath).map(Trigger.memberCount)
        default:
            return decodeSchedule(body, triggerPath).map(Trigger.schedule)
        }
    }

    private func decodeMemberCount(_ node: NodeRef, _ path: KeyPath) -> MemberCountTrigger? {
        guard let options = context.fields(node, path, what: "member_count options", known: Self.memberCountKeys, nullIsEmpty: true) else { return nil }
        let above = options["above"].map { context.int($0.value, path.key("above"), in: 0...1_000_000) }
        let below = options["below"].map { context.int($0.value, path.key("below"), in: 1...1_000_000) }
        guard (above == nil) != (below == nil) else {
            context.report(node.mark, path, "member_count takes exactly one of \"above\" or \"below\"",
                           suggestion: above != nil ? "write two rules, one for each direction" : "for example member_count: { above: 900 }")
            return nil
        }
        var holdFor: Duration?
        if let field = options["for"] {
            guard let duration = context.duration(field.value, path.key("for")) else { return nil }
            holdFor = duration
        }
        guard let threshold = (above ?? below).flatMap({ $0 }) else { return nil }
        var rearm: Int?
        if let field = options["rearm"] {
            guard let value = context.int(field.value, path.key("rearm"), in: 0...1_000_000) else { return nil }
            if above != nil, value > threshold {
                context.report(field.value.mark, path.key("rearm"), "rearm must be at most the threshold \(threshold) for \"above\": the count has to fall back to it; found \(value)")
                return nil
            }
            if below != nil, value < threshold {
                context.report(field.value.mark, path.key("rearm"), "rearm must be at least the threshold \(threshold) for \"below\": the count has to climb back to it; found \(value)")
                return nil
            }
            rearm = value
        }
        return MemberCountTrigger(threshold: above != nil ? .above(threshold) : .below(threshold), holdFor: holdFor, rearm: rearm)
    }

    private func decodeSchedule(_ node: NodeRef, _ path: KeyPath) -> ScheduleTrigger? {
        guard let options = context.fields(node, path, what: "schedule options", known: Self.scheduleKeys, nullIsEmpty: true) else { return nil }
        let cronField = options["cron"]
        let everyField = options["every"]
        var ok = true
        if (cronField == nil) == (everyField == nil) {
            context.report(node.mark, path, "a schedule takes exactly one of \"cron\" or \"every\"",
                           suggestion: cronField == nil ? "for example schedule: { cron: \"0 9 * * MON\" }" : "write two rules, one for each")
            ok = false
        }
        var timing: ScheduleTrigger.Timing?
        if let field = cronField, let text = context.nonEmptyString(field.value, path.key("cron"), what: "a cron expression") {
            switch context.memo.cron(text) {
            case .success(let expression): timing = .cron(expression)
            case .failure(let error): context.report(field.value.mark, path.key("cron"), error.message, suggestion: error.suggestion)
            }
        }
        if let field = everyField, let duration = context.duration(field.value, path.key("every"), minimum: Settings.minimumPollInterval) {
            timing = .every(duration)
        }
        var timezone = defaultTimezone
        if let field = options["timezone"] {
            if let zone = context.timezone(field.value, path.key("timezone")) { timezone = zone } else { ok = false }
        }
        var missed = ScheduleTrigger.Missed.runOnce
        if let field = options["missed"] {
            if let value = context.choice(field.value, path.key("missed"), ScheduleTrigger.Missed.self) { missed = value } else { ok = false }
        }
        guard let timing, ok else { return nil }
        return ScheduleTrigger(timing: timing, timezone: timezone, missed: missed)
    }
}
