import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import Rules
import ServiceLifecycle
import State
import WadialAPI

/// Sends an HTTP POST for the `webhook` action.
public protocol WebhookSender: Sendable {
    /// Returns the HTTP status.
    func post(url: String, body: String, headers: [String: String]) async throws -> Int
}

public struct HTTPWebhookSender: WebhookSender {
    public init() {}

    public func post(url: String, body: String, headers: [String: String]) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if request.headers["Content-Type"].isEmpty { request.headers.add(name: "Content-Type", value: "application/json") }
        request.headers.add(name: "User-Agent", value: "wadial-rules")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try? await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }
}

/// What one execution did, for logs, metrics and tests.
public struct ExecutionReport: Sendable {
    public var entries: [AuditEntry] = []
    public var writes = 0
    public var failures = 0
}

/// Carries out a plan: batches decisions per group, journals every write, renders templates,
/// and records outcomes. A failed step stops the rule's remaining steps for that group.
public struct Executor: Sendable {
    public let client: any WadialClient
    public let store: any StateStore
    public let webhooks: any WebhookSender
    public let dryRun: Bool
    public let logger: Logger

    public init(client: any WadialClient, store: any StateStore, webhooks: any WebhookSender = HTTPWebhookSender(), dryRun: Bool = false, logger: Logger) {
        self.client = client
        self.store = store
        self.webhooks = webhooks
        self.dryRun = dryRun
        self.logger = logger
    }

    var modeName: String { dryRun ? "dry-run" : "enforce" }

    public func execute(_ plan: Plan, session: String, now: @Sendable () -> Date) async -> ExecutionReport {
        var report = ExecutionReport()
        for note in plan.notes {
            report.entries.append(AuditEntry(at: now(), rule: note.source, group: note.group.rawValue, action: note.action, targets: [],
                                             mode: "audit", outcome: "drift", detail: note.detail))
            logger.info("drift", metadata: ["policy": "\(note.source)", "group": "\(note.group)", "detail": "\(note.detail)"])
        }
        var groupsInOrder: [GroupJID] = []
        var byGroup: [GroupJID: [PlannedAction]] = [:]
        for action in plan.actions.sorted(by: { ($0.order, $0.index) < ($1.order, $1.index) }) {
            if byGroup[action.group.jid] == nil { groupsInOrder.append(action.group.jid) }
            byGroup[action.group.jid, default: []].append(action)
        }
        for jid in groupsInOrder {
            guard !Task.isShuttingDownGracefully else { break }
            await executeGroup(byGroup[jid] ?? [], session: session, now: now, report: &report)
        }
        do {
            try await store.appendAudit(report.entries)
        } catch {
            logger.error("could not write the audit trail", metadata: ["error": "\(error)"])
        }
        return report
    }

    private func writes(_ action: PlannedAction) -> Bool { action.mode == .enforce && !dryRun }

    private func executeGroup(_ actions: [PlannedAction], session: String, now: @Sendable () -> Date, report: inout ExecutionReport) async {
        guard let group = actions.first?.group else { return }
        var failedRules: Set<String> = []
        // All approvals for the group in one call, then all rejections.
        for decision in [RequestDecision.approve, .reject] {
            let kind: Action = decision == .approve ? .approveRequests : .rejectRequests
            let steps = actions.filter { $0.step == .rule(kind) && writes($0) }
            let targets = steps.flatMap { step in step.requests.map { (rule: step.source, request: $0) } }
            guard !targets.isEmpty, !Task.isShuttingDownGracefully else { continue }
            let failed = await decide(decision, targets, group: group, session: session, now: now, report: &report)
            failedRules.formUnion(failed)
        }
        var invites: [String: InviteCode] = [:]
        var firedRequestRules: [String: [MembershipRequest]] = [:]
        for action in actions {
            if !action.requests.isEmpty { firedRequestRules[action.source] = action.requests }
            if case .rule(let step) = action.step, step == .approveRequests || step == .rejectRequests {
                if !writes(action) {
                    record(action, targets: action.requests.map(\.jid.rawValue), outcome: "would", detail: action.reason, now: now(), report: &report)
                }
                continue
            }
            guard !failedRules.contains(action.source) else {
                record(action, targets: [], outcome: "skipped", detail: "an earlier step of this rule failed", now: now(), report: &report)
                continue
            }
            guard !Task.isShuttingDownGracefully else { return }
            let values = templateValues(action, invite: invites[action.source], now: now())
            do {
                let detail = try await perform(action, values: values, session: session, now: now, invites: &invites, report: &report)
                let outcome = writes(action) || !action.isWrite ? "done" : "would"
                record(action, targets: [], outcome: outcome, detail: detail, now: now(), report: &report)
            } catch {
                failedRules.insert(action.source)
                report.failures += 1
                record(action, targets: [], outcome: "failed", detail: "\(error)", now: now(), report: &report)
            }
        }
        // Rules that fired for requests without deciding them (log, webhook, audit mode) remember
        // them, so that they do not fire again for the same request.
        var remembered: [ActedRequest] = []
        for (rule, requests) in firedRequestRules {
            let decidedHere = actions.contains { $0.source == rule && writes($0) && ($0.step == .rule(.approveRequests) || $0.step == .rule(.rejectRequests)) }
            guard !decidedHere, !failedRules.contains(rule) else { continue }
            remembered += requests.map { ActedRequest(rule: rule, group: group.jid, requester: $0.jid, requestedAt: $0.requestKey, decision: .none, at: now()) }
        }
        do {
            try await store.recordActed(remembered)
        } catch {
            logger.error("could not record acted requests", metadata: ["error": "\(error)"])
        }
    }

    /// One call deciding `targets`; returns the rules whose requests failed.
    private func decide(
        _ decision: RequestDecision, _ targets: [(rule: String, request: MembershipRequest)], group: Group, session: String,
        now: @Sendable () -> Date, report: inout ExecutionReport
    ) async -> Set<String> {
        let name = decision == .approve ? "approve_requests" : "reject_requests"
        let intent = JournalIntent(session: session, group: group.jid.rawValue, operation: "decide_requests:\(decision.rawValue)",
                                   rules: targets.map(\.rule), targets: targets.map(\.request.jid.rawValue), detail: decision.rawValue, at: now())
        let id: Int64
        do {
            id = try await store.openIntent(intent)
        } catch {
            logger.error("could not journal a write; not sending it", metadata: ["error": "\(error)"])
            return Set(targets.map(\.rule))
        }
        report.writes += 1
        var outcome = "done"
        var failed: Set<String> = []
        var statuses: [String: Int] = [:]
        do {
            let answer = try await client.decideRequests(session: session, group.jid, decision, targets.map(\.request.jid))
            for item in answer.array ?? [] {
                if let jid = item["jid"]?.string, let status = item["status"]?.int { statuses[jid] = status }
            }
        } catch let error as WadialError {
            outcome = error.kind == .outcomeUnknown ? "unknown" : "failed"
            failed = Set(targets.map(\.rule))
            report.failures += 1
            logger.warning("decision failed", metadata: ["group": "\(group.jid)", "action": "\(name)", "error": "\(error.shortDescription)"])
        } catch {
            outcome = "failed"
            failed = Set(targets.map(\.rule))
        }
        do {
            try await store.closeIntent(id, outcome: outcome, at: now())
        } catch {
            logger.error("could not close a journal intent", metadata: ["error": "\(error)"])
        }
        var acted: [ActedRequest] = []
        for (rule, request) in targets {
            let status = statuses[request.jid.rawValue] ?? (failed.isEmpty ? 200 : 0)
            let result = failed.contains(rule) ? outcome : (status == 200 ? "done" : "gone (\(status))")
            if status == 200 && failed.isEmpty {
                acted.append(ActedRequest(rule: rule, group: group.jid, requester: request.jid, requestedAt: request.requestKey,
                                          decision: decision == .approve ? .approve : .reject, at: now()))
            }
            report.entries.append(AuditEntry(at: now(), rule: rule, group: group.jid.rawValue, action: name, targets: [request.jid.rawValue],
                                             mode: "enforce", outcome: result, detail: request.phoneNumber.map { "number \($0)" } ?? "number unknown"))
            Counter(label: "wadial_actions_total", dimensions: [("action", name), ("outcome", result == "done" ? "done" : outcome)]).increment()
        }
        logger.info("decision", metadata: [
            "group": "\(group.jid)", "action": "\(name)", "rules": "\(Set(targets.map(\.rule)).sorted().joined(separator: ","))",
            "targets": "\(targets.map(\.request.jid.rawValue).joined(separator: ","))", "outcome": "\(outcome)",
        ])
        do {
            try await store.recordActed(acted)
        } catch {
            logger.error("could not record decisions", metadata: ["error": "\(error)"])
        }
        return failed
    }

    private func templateValues(_ action: PlannedAction, invite: InviteCode?, now: Date) -> [String: String] {
        var values = [
            "group.jid": action.group.jid.rawValue,
            "group.subject": action.group.subject ?? "",
            "group.size": action.group.size.map(String.init) ?? "",
            "rule.id": action.source,
            "now": ISO8601DateFormatter().string(from: now),
            "requests.count": String(action.requests.count),
        ]
        if let invite {
            values["invite.code"] = invite.code
            values["invite.link"] = invite.link
        }
        return values
    }

    /// Performs one non-decision step; returns a detail for the audit trail.
    private func perform(
        _ action: PlannedAction, values: [String: String], session: String, now: @Sendable () -> Date,
        invites: inout [String: InviteCode], report: inout ExecutionReport
    ) async throws -> String {
        let jid = action.group.jid
        switch action.step {
        case .setting(let change):
            try await write(action, "settings", change.detail, session: session, now: now, report: &report) {
                try await client.updateSetting(session: session, jid, change)
            }
            return change.detail
        case .rule(let step):
            if let change = step.settingChange {
                try await write(action, "settings", change.detail, session: session, now: now, report: &report) {
                    try await client.updateSetting(session: session, jid, change)
                }
                return change.detail
            }
            switch step {
            case .updateProfile(let subject, let description):
                let newSubject = subject?.render(values)
                let newDescription = description?.render(values)
                let detail = [newSubject.map { "subject=\($0)" }, newDescription.map { "description=\($0)" }].compactMap { $0 }.joined(separator: " ")
                try await write(action, "update_profile", detail, session: session, now: now, report: &report) {
                    try await client.updateProfile(session: session, jid, subject: newSubject, description: newDescription)
                }
                return detail
            case .participants(let change):
                let operation = ParticipantOperation(rawValue: change.operation.rawValue) ?? .add
                let detail = "\(operation.rawValue) \(change.members.map(\.rawValue).joined(separator: ","))"
                try await write(action, "participants", detail, session: session, now: now, report: &report) {
                    _ = try await client.updateParticipants(session: session, jid, operation, change.members)
                }
                return detail
            case .rotateInvite:
                var detail = "revoke invite"
                try await write(action, "invite_revoke", detail, session: session, now: now, report: &report) {
                    let invite = try await client.revokeInvite(session: session, jid)
                    invites[action.source] = invite
                    detail = "new invite \(invite.link)"
                }
                return detail
            case .leaveGroup:
                try await write(action, "leave", "leave", session: session, now: now, report: &report) {
                    try await client.leave(session: session, [jid])
                }
                return "leave"
            case .webhook(let hook):
                let url = hook.url.render(values)
                guard writes(action) else { return "POST \(url)" }
                let status = try await webhooks.post(url: url, body: hook.body?.render(values) ?? "", headers: hook.headers)
                guard (200..<300).contains(status) else { throw WebhookFailure(status: status) }
                return "POST \(url): \(status)"
            case .log(let template):
                let message = template.render(values)
                logger.info("rule log", metadata: ["rule": "\(action.source)", "group": "\(jid)", "message": "\(message)"])
                return message
            default:
                return ""
            }
        }
    }

    struct WebhookFailure: Error, CustomStringConvertible {
        let status: Int
        var description: String { "webhook answered HTTP \(status)" }
    }

    /// A journaled write, or nothing at all in audit mode and dry runs.
    private func write(
        _ action: PlannedAction, _ operation: String, _ detail: String, session: String, now: @Sendable () -> Date,
        report: inout ExecutionReport, _ call: () async throws -> Void
    ) async throws {
        guard writes(action) else { return }
        let id = try await store.openIntent(JournalIntent(session: session, group: action.group.jid.rawValue, operation: operation,
                                                           rules: [action.source], targets: [], detail: detail, at: now()))
        report.writes += 1
        do {
            try await call()
            try await store.closeIntent(id, outcome: "done", at: now())
            Counter(label: "wadial_actions_total", dimensions: [("action", action.name), ("outcome", "done")]).increment()
        } catch {
            let outcome = (error as? WadialError)?.kind == .outcomeUnknown ? "unknown" : "failed"
            try? await store.closeIntent(id, outcome: outcome, at: now())
            Counter(label: "wadial_actions_total", dimensions: [("action", action.name), ("outcome", outcome)]).increment()
            throw error
        }
    }

    private func record(_ action: PlannedAction, targets: [String], outcome: String, detail: String, now: Date, report: inout ExecutionReport) {
        let mode = action.mode == .audit ? "audit" : modeName
        report.entries.append(AuditEntry(at: now, rule: action.source, group: action.group.jid.rawValue, action: action.name, targets: targets,
                                         mode: mode, outcome: outcome, detail: detail))
        if action.name != Action.Kind.log.rawValue {
            logger.info("action", metadata: [
                "rule": "\(action.source)", "group": "\(action.group.jid)", "action": "\(action.name)", "outcome": "\(outcome)",
                "mode": "\(mode)", "detail": "\(detail)",
            ])
        }
    }
}
