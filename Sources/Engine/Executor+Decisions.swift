import Foundation
import Logging
import Metrics
import State
import WadialAPI
import WadialModels

extension Executor {
    /// One call deciding `targets`; returns the rules whose requests failed.
    func decide(
        _ decision: RequestDecision, _ targets: [(rule: String, request: MembershipRequest)], group: Group, session: String,
        now: @Sendable () -> Date, report: inout ExecutionReport
    ) async -> Set<String> {
        let name = decision.actionName
        let intent = JournalIntent(session: session, group: group.jid.rawValue, operation: .decide(decision),
                                   rules: targets.map(\.rule), targets: targets.map(\.request.jid.rawValue),
                                   requests: targets.map { JournalRequest(number: $0.request.phoneNumber?.digits, requestedAt: $0.request.requestKey) },
                                   detail: decision.rawValue, at: now())
        let id: Int64
        do {
            id = try await store.openIntent(intent)
        } catch {
            logger.error("could not journal a write; not sending it", metadata: ["error": "\(error)"])
            return Set(targets.map(\.rule))
        }
        report.writes += 1
        var outcome = AuditOutcome.done
        var failed: Set<String> = []
        var statuses: [String: Int] = [:]
        do {
            let answer = try await client.decideRequests(session: session, group.jid, decision, targets.map(\.request.jid))
            for item in answer.array ?? [] {
                guard let jid = item["jid"]?.string, let status = item["status"]?.int else {
                    let skipped = SkippedEntry(list: "decision statuses", group: group.jid, entry: item, reason: "no jid and status")
                    logger.warning("skipped an entry of an API list", metadata: [
                        "list": "\(skipped.list)", "group": "\(group.jid)", "entry": "\(skipped.entry)", "reason": "\(skipped.reason)",
                    ])
                    continue
                }
                statuses[jid] = status
            }
        } catch let error as WadialError {
            outcome = error.kind == .outcomeUnknown ? .unknown : .failed
            failed = Set(targets.map(\.rule))
            report.failures += 1
            logger.warning("decision failed", metadata: ["group": "\(group.jid)", "action": "\(name)", "error": "\(error.shortDescription)"])
        } catch {
            outcome = .failed
            failed = Set(targets.map(\.rule))
        }
        if outcome == .unknown {
            // It may have been applied: the intent stays open, and is reconciled against live
            // state (membership, the request list) before the next tick decides anything.
            logger.warning("a decision's outcome is unknown; it is reconciled before the next decision",
                           metadata: ["group": "\(group.jid)", "action": "\(name)", "intent": "\(id)"])
        } else {
            do {
                try await store.closeIntent(id, outcome: outcome.rawValue, at: now())
            } catch {
                logger.error("could not close a journal intent", metadata: ["error": "\(error)"])
            }
        }
        var acted: [ActedRequest] = []
        for (rule, request) in targets {
            let status = statuses[request.jid.rawValue] ?? (failed.isEmpty ? 200 : 0)
            let result: AuditOutcome = failed.contains(rule) ? outcome : (status == 200 ? .done : .gone)
            // Done, or answered "no pending request" (404, 409): either way the request is dealt
            // with, and a list that still shows it (lagging) must not make the rules act again.
            if failed.isEmpty && (status == 200 || status == 404 || status == 409) {
                acted.append(ActedRequest(rule: rule, group: group.jid, requester: request.jid, requestedAt: request.requestKey,
                                          decision: decision, at: now()))
            }
            var detail = request.phoneNumber.map { "number \($0)" } ?? "number unknown"
            if result == .gone { detail += "; HTTP \(status)" }
            report.entries.append(AuditEntry(at: now(), rule: rule, group: group.jid.rawValue, action: name, targets: [request.jid.rawValue],
                                             mode: .enforce, outcome: result, detail: detail))
            Counter(label: "wadial_actions_total", dimensions: [("action", name), ("outcome", result == .done ? "done" : outcome.rawValue)]).increment()
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
}
