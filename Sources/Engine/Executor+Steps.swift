import Foundation
import Logging
import Metrics
import Rules
import State
import WadialAPI
import WadialModels

extension Executor {
    func templateValues(_ action: PlannedAction, invite: InviteCode?, now: Date) -> [String: String] {
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
    ///
    /// `handOff` (`ID#step`) links the step's journal intent to its hand-off, so that a crash in
    /// the middle of the write is reconciled into it; `idempotencyKey` is sent with a webhook.
    func perform(
        _ action: PlannedAction, values: [String: String], session: String, now: @Sendable () -> Date,
        invites: inout [String: InviteCode], report: inout ExecutionReport, handOff: String? = nil, idempotencyKey: String? = nil
    ) async throws -> String {
        let jid = action.group.jid
        let step: Action
        switch action.step {
        case .setting(let change): step = .setting(change)
        case .rule(let ruleStep): step = ruleStep
        }
        switch step {
        case .setting(let change):
            try await write(action, .setting, change.description, session: session, now: now, report: &report, handOff: handOff) {
                try await client.updateSetting(session: session, jid, change)
            }
            return change.description
        case .updateProfile(let subject, let description):
            let newSubject = subject?.render(values)
            let newDescription = description?.render(values)
            let detail = [newSubject.map { "subject=\($0)" }, newDescription.map { "description=\($0)" }].compactMap { $0 }.joined(separator: " ")
            try await write(action, .updateProfile, detail, session: session, now: now, report: &report, handOff: handOff) {
                try await client.updateProfile(session: session, jid, subject: newSubject, description: newDescription)
            }
            return detail
        case .participants(let change):
            let detail = "\(change.operation.rawValue) \(change.members.map(\.rawValue).joined(separator: ","))"
            try await write(action, .participants, detail, session: session, now: now, report: &report, handOff: handOff) {
                _ = try await client.updateParticipants(session: session, jid, change.operation, change.members)
            }
            return detail
        case .rotateInvite:
            var detail = "revoke invite"
            try await write(action, .rotateInvite, detail, session: session, now: now, report: &report, handOff: handOff) {
                do {
                    let invite = try await client.revokeInvite(session: session, jid)
                    invites[action.source] = invite
                    detail = "new invite \(invite.link)"
                } catch let error as WadialError where error.kind == .outcomeUnknown {
                    // The revoke may have happened and its answer is lost: the link in force now
                    // is read back once, and the rule goes on with it.
                    let invite = try await client.inviteCode(session: session, jid)
                    invites[action.source] = invite
                    detail = "new invite \(invite.link) (read back: the revoke's answer could not be read)"
                }
            }
            return detail
        case .leaveGroup:
            try await write(action, .leave, "leave", session: session, now: now, report: &report, handOff: handOff) {
                try await client.leave(session: session, [jid])
            }
            return "leave"
        case .webhook(let hook):
            // Each value percent-encoded in the URL, and JSON string content in a JSON body: a
            // subject like `", "admin": true, "x": "` stays inside its string.
            let url = hook.url.render(values, escape: TextEscaping.urlComponent)
            let body = hook.body?.render(values, escape: hook.sendsJSON ? TextEscaping.jsonString : { $0 }) ?? ""
            guard writes(action) else { return "POST \(url)" }
            var headers = hook.headers
            // The same key on every retry of this delivery, so a receiver can drop repeats.
            if let idempotencyKey, !headers.keys.contains(where: { $0.lowercased() == "idempotency-key" }) { headers["Idempotency-Key"] = idempotencyKey }
            // A delivery is a write too: not sent without the session's lease (kept for the holder).
            if let leases, await leases.window(session: session) == nil {
                throw LeaseFenced(session: session, epoch: 0, current: nil)
            }
            let response = try await webhooks.post(url: url, body: body, headers: headers)
            guard (200..<300).contains(response.status) else { throw WebhookFailure(response: response) }
            return "POST \(url): \(response.status)"
        case .log(let template):
            let message = template.render(values)
            logger.info("\(message)", metadata: ["rule": "\(action.source)", "group": "\(jid)"])
            return message
        case .decide:
            // Decisions are batched per group before the other steps (`Executor.decide`).
            return ""
        }
    }

    /// Only a 2xx is a delivery; a redirect is not followed and names where it pointed.
    struct WebhookFailure: Error, CustomStringConvertible {
        let response: WebhookResponse
        var description: String {
            if (300..<400).contains(response.status) {
                return "webhook answered HTTP \(response.status), a redirect to \(response.location.map { TextEscaping.quoted($0) } ?? "nowhere"), which is not followed: write the final URL in the rule"
            }
            return "webhook answered HTTP \(response.status)"
        }
    }

    /// A journaled write, or nothing at all in audit mode and dry runs.
    private func write(
        _ action: PlannedAction, _ operation: JournalOperation, _ detail: String, session: String, now: @Sendable () -> Date,
        report: inout ExecutionReport, handOff: String? = nil, _ call: () async throws -> Void
    ) async throws {
        guard writes(action) else { return }
        let id = try await journal(JournalIntent(session: session, group: action.group.jid.rawValue, operation: operation,
                                                           rules: [action.source], targets: [], handOff: handOff, detail: detail, at: now()))
        report.writes += 1
        do {
            try await call()
        } catch {
            let outcome: AuditOutcome = (error as? WadialError)?.kind == .outcomeUnknown ? .unknown : .failed
            // Refused for want of admin rights: the fetcher then takes the account not to be an
            // admin there (when the listing does not say), so the write is not tried every tick.
            if (error as? WadialError)?.status == 403 { await rights?.refuse(session, action.group.jid, at: now()) }
            do {
                try await store.closeIntent(id, outcome: outcome.rawValue, at: now())
            } catch let closing {
                logger.error("could not close a journal intent", metadata: ["intent": "\(id)", "error": "\(closing)"])
            }
            Counter(label: "wadial_actions_total", dimensions: [("action", action.name), ("outcome", outcome.rawValue)]).increment()
            throw error
        }
        // Done: a failure to close the intent is logged, and does not make the write a failure
        // (it would be retried, and a revoke done twice).
        do {
            try await store.closeIntent(id, outcome: AuditOutcome.done.rawValue, at: now())
        } catch {
            logger.error("could not close a journal intent of a write that was done", metadata: ["intent": "\(id)", "error": "\(error)"])
        }
        Counter(label: "wadial_actions_total", dimensions: [("action", action.name), ("outcome", "done")]).increment()
    }
}
