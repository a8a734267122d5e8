import Foundation
import Logging
import State
import WadialAPI
import WadialModels

extension Engine {
    /// Writes left open by a crash are checked against live state before anything is sent again:
    /// a decided request that is no longer pending was decided; one still pending was not, and is
    /// left to the rules. Other writes are closed as unknown and reported.
    public func reconcile() async {
        let open: [JournalEntry]
        do {
            open = try await store.openIntents()
        } catch {
            logger.error("could not read the journal", metadata: ["error": "\(error)"])
            return
        }
        for entry in open {
            let intent = entry.intent
            var outcome = "unknown (reconciled on start)"
            if case .decide(let decision) = intent.operation, let group = intent.group.flatMap(GroupJID.init) {
                do {
                    let pending = Set(try await client.membershipRequests(session: intent.session, group).map(\.jid.rawValue))
                    var acted: [ActedRequest] = []
                    for (index, target) in intent.targets.enumerated() where !pending.contains(target) {
                        guard let requester = UserJID(target) else { continue }
                        let rule = index < intent.rules.count ? intent.rules[index] : (intent.rules.first ?? "")
                        acted.append(ActedRequest(rule: rule, group: group, requester: requester, requestedAt: 0, decision: decision, at: now()))
                    }
                    try await store.recordActed(acted)
                    outcome = "reconciled: \(acted.count) applied, \(intent.targets.count - acted.count) still pending"
                } catch {
                    logger.warning("could not reconcile an open write; it stays open", metadata: ["id": "\(entry.id)", "error": "\(error)"])
                    continue
                }
            }
            try? await store.closeIntent(entry.id, outcome: outcome, at: now())
            try? await store.appendAudit([AuditEntry(at: now(), rule: intent.rules.first ?? "", group: intent.group ?? "", action: intent.operation.description,
                                                     targets: intent.targets, mode: .enforce, outcome: .reconciled, detail: outcome)])
            logger.info("reconciled an open write", metadata: ["operation": "\(intent.operation)", "outcome": "\(outcome)"])
        }
    }
}
