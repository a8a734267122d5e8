import Foundation
import Logging
import State
import WadialAPI
import WadialModels

extension Engine {
    /// Writes left open by a crash are checked against live state before anything is sent again.
    ///
    /// An open approval is settled as applied for each requester who is a member of the group now
    /// (recognised by the JID the request carried, or by its phone number, whichever way the
    /// member is listed) or who is no longer listed as pending; one still listed and not a member
    /// was not approved, and is left to the rules. A requester still listed but already a member
    /// (an API whose request list lags behind its writes) is therefore never approved again. An
    /// open rejection is settled as applied for each requester no longer listed; one still listed
    /// is left to the rules (a repeated rejection of a lagging entry is answered "no pending
    /// request" and changes nothing). Settled decisions are recorded under the request's own
    /// identity, so the rules do not act on them again. Other writes are closed as unknown and
    /// reported.
    ///
    /// With leases, only the open writes of `session` are reconciled, and only once this engine
    /// holds its lease: those of earlier epochs were left by holders that are gone (a holder sends
    /// nothing once its lease is about to end), and those of its own epoch are its own. An open
    /// write of another live holder is never touched.
    public func reconcile(session: String? = nil) async {
        let open: [JournalEntry]
        do {
            open = try await store.openIntents()
        } catch {
            logger.error("could not read the journal", metadata: ["error": "\(error)"])
            return
        }
        var epoch: Int64?
        if let session, let leases = activeLeases {
            guard let held = await leases.epoch(session) else { return }
            epoch = held
        }
        for entry in open where session.map({ entry.intent.session == $0 }) ?? true {
            if let epoch, entry.intent.epoch > epoch { continue }
            let intent = entry.intent
            var outcome = "unknown (reconciled on start)"
            if case .decide(let decision) = intent.operation, let group = intent.group.flatMap(GroupJID.init) {
                do {
                    let pending = try await client.membershipRequests(session: intent.session, group)
                    let listed = Set(pending.map(\.jid.rawValue))
                    // Members matter for approvals only: a rejected requester never becomes one.
                    var members = MemberIndex(participants: [])
                    if decision == .approve {
                        members = MemberIndex(participants: try await client.group(session: intent.session, group).participants ?? [])
                    }
                    var acted: [ActedRequest] = []
                    var joined = 0
                    for (index, target) in intent.targets.enumerated() {
                        guard let requester = UserJID(target) else { continue }
                        let details = index < intent.requests.count ? intent.requests[index] : nil
                        let number = details?.number ?? requester.phoneNumber?.digits
                        let member = members.contains(requester, number: number)
                        guard member || !listed.contains(target) else { continue }
                        if member { joined += 1 }
                        // The request's own time, so that a lagging list entry matches this record.
                        let requestedAt = details?.requestedAt ?? pending.first { $0.jid == requester }?.requestKey ?? 0
                        let rule = index < intent.rules.count ? intent.rules[index] : (intent.rules.first ?? "")
                        acted.append(ActedRequest(rule: rule, group: group, requester: requester, requestedAt: requestedAt, decision: decision, at: now()))
                    }
                    try await store.recordActed(acted)
                    outcome = "reconciled: \(acted.count) applied, \(intent.targets.count - acted.count) still pending"
                    if joined > 0 { outcome += " (\(joined) found among the members)" }
                } catch {
                    logger.warning("could not reconcile an open write; it stays open", metadata: ["id": "\(entry.id)", "error": "\(error)"])
                    continue
                }
            }
            if let link = intent.handOff {
                outcome = await reconcileHandOffStep(link, intent: intent, unknown: outcome)
            }
            try? await store.closeIntent(entry.id, outcome: outcome, at: now())
            try? await store.appendAudit([AuditEntry(at: now(), rule: intent.rules.first ?? "", group: intent.group ?? "", action: intent.operation.description,
                                                     targets: intent.targets, mode: .enforce, outcome: .reconciled, detail: outcome)])
            logger.info("reconciled an open write", metadata: ["operation": "\(intent.operation)", "outcome": "\(outcome)"])
        }
    }
}

/// A group's members by JID and by phone number: a requester who asked as `…@lid` may be listed
/// as a member under their phone JID, and the other way round.
struct MemberIndex {
    private let jids: Set<String>
    private let numbers: Set<String>

    init(participants: [Participant]) {
        jids = Set(participants.map(\.jid.rawValue))
        numbers = Set(participants.compactMap { $0.phoneNumber?.digits })
    }

    func contains(_ requester: UserJID, number: String?) -> Bool {
        if jids.contains(requester.rawValue) { return true }
        guard let number else { return false }
        return numbers.contains(number) || jids.contains(number + "@s.whatsapp.net")
    }
}

extension Engine {
    /// A write that was a step of a hand-off and was in flight at the crash: the hand-off goes on
    /// after it. A revoked invite's new link is read back (the webhook after it hands on the link
    /// in force); any other write is taken as done (setting writes are idempotent, and the rules
    /// and policies of the next ticks correct what did not happen), so it is not sent twice.
    func reconcileHandOffStep(_ link: String, intent: JournalIntent, unknown: String) async -> String {
        let parts = link.split(separator: "#")
        guard parts.count == 2, let step = Int(parts[1]),
              var handOff = (try? await store.handOffs(session: intent.session))?.first(where: { $0.id == parts[0] }),
              handOff.nextStep == step
        else { return unknown }
        var outcome = unknown
        if case .rotateInvite = intent.operation, let group = intent.group.flatMap(GroupJID.init) {
            do {
                let invite = try await client.inviteCode(session: intent.session, group)
                handOff.values["invite.code"] = invite.code
                handOff.values["invite.link"] = invite.link
                outcome = "reconciled: the invite in force was read back"
            } catch {
                logger.warning("could not read the invite back; its hand-off goes on without a new link", metadata: ["group": "\(group)", "error": "\(error)"])
            }
        }
        handOff.nextStep = step + 1
        handOff.nextAttempt = now()
        try? await store.saveHandOff(handOff)
        return outcome
    }
}
