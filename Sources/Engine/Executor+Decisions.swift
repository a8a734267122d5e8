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
            id = try await journal(intent)
        } catch let fenced as LeaseFenced {
            logger.warning("not deciding: this engine no longer holds the session's lease", metadata: ["group": "\(group.jid)", "error": "\(fenced)"])
            return Set(targets.map(\.rule))
        } catch {
            logger.error("could not journal a write; not sending it", metadata: ["error": "\(error)"])
            return Set(targets.map(\.rule))
        }
        report.writes += 1
        var outcome = AuditOutcome.done
        var failed: Set<String> = []
        var statuses: [String: Int] = [:]
        // Whether the answer reports per requester: then a requester it leaves out, or whose
        // entry cannot be read, is not confirmed.
        var itemized = false
        do {
            let answer = try await client.decideRequests(session: session, group.jid, decision, targets.map(\.request.jid))
            for item in answer.array ?? [] {
                itemized = true
                guard let jid = item["jid"]?.string, let status = item["status"]?.int else {
                    SkippedEntry(list: "decision statuses", group: group.jid, entry: item, reason: "no jid and status").log(to: logger)
                    continue
                }
                statuses[jid] = status
            }
        } catch {
            let apiError = error as? WadialError
            outcome = apiError?.kind == .outcomeUnknown ? .unknown : .failed
            failed = Set(targets.map(\.rule))
            report.failures += 1
            logger.warning("decision failed", metadata: ["group": "\(group.jid)", "action": "\(name)", "error": "\(apiError?.shortDescription ?? "\(error)")"])
        }
        var acted: [ActedRequest] = []
        var counts: [AuditOutcome: Int] = [:]
        for (rule, request) in targets {
            let result: AuditOutcome
            var detail = request.phoneNumber.map { "number \($0)" } ?? "number unknown"
            if failed.contains(rule) {
                result = outcome
            } else {
                switch itemized ? statuses[request.jid.rawValue] : 200 {
                case 200?: result = .done
                // "No pending request": dealt with, and a list that still shows it (lagging)
                // must not make the rules act again.
                case let status? where status == 404 || status == 409:
                    result = .gone
                    detail += "; HTTP \(status)"
                case let status?:
                    result = .failed
                    detail += "; HTTP \(status)"
                case nil:
                    // Left out of the answer, or unreadable: not confirmed either way.
                    result = .unknown
                    detail += "; the answer does not say"
                }
                if result == .done || result == .gone {
                    acted.append(ActedRequest(rule: rule, group: group.jid, requester: request.jid, requestedAt: request.requestKey,
                                              decision: decision, at: now()))
                }
            }
            counts[result, default: 0] += 1
            report.entries.append(AuditEntry(at: now(), rule: rule, group: group.jid.rawValue, action: name, targets: [request.jid.rawValue],
                                             mode: .enforce, outcome: result, detail: detail, groupKind: group.kind))
            Counter(label: "wadial_actions_total", dimensions: [("action", name), ("outcome", result.rawValue)]).increment()
        }
        if counts[.unknown, default: 0] > 0 {
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
        let summary = AuditOutcome.allCases.compactMap { kind in counts[kind].map { "\(kind.rawValue)=\($0)" } }.joined(separator: " ")
        // For people: what happened first, then who (by number, the JID beside it), where (the
        // group's subject beside its JID), and how each fared.
        let done = counts[.done, default: 0]
        let count = targets.count
        let noun = "join request\(count == 1 ? "" : "s")"
        let message: String
        let level: Logger.Level
        if done == count {
            message = "\(decision.pastTense) \(count) \(noun) in \(group.name)"
            level = .info
        } else if done > 0 || counts[.gone, default: 0] > 0 {
            message = "\(decision.pastTense) \(done) of \(count) \(noun) in \(group.name)"
            level = counts[.failed, default: 0] + counts[.unknown, default: 0] > 0 ? .warning : .info
        } else {
            message = "could not \(decision.rawValue) \(count) \(noun) in \(group.name)"
            level = .warning
        }
        let refused = counts[.gone, default: 0]
        var metadata: Logger.Metadata = [
            "group": "\(group.jid)", "subject": "\(group.subject ?? "")", "action": "\(name)",
            "rules": "\(Set(targets.map(\.rule)).sorted().joined(separator: ","))",
            "requesters": "\(targets.map(\.request.described).joined(separator: ", "))", "outcome": "\(summary)",
        ]
        if refused > 0 { metadata["no_longer_pending"] = "\(refused)" }
        logger.log(level: level, "\(message)", metadata: metadata)
        do {
            try await store.recordActed(acted)
        } catch {
            logger.error("could not record decisions", metadata: ["error": "\(error)"])
        }
        return failed
    }
}
