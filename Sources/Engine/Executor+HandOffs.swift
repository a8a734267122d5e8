public import Foundation
import ServiceLifecycle
import Logging
public import Rules
public import State
public import WadialAPI
import WadialModels

extension Executor {
    /// Runs `handOff`'s steps from its next one, saving its progress after each step: what is
    /// done is never done again, what is not is kept. A failed step is retried on a later tick
    /// (30 s doubling, at most an hour) until the rule's `deliver_within` has passed; then it is
    /// reported as failed at error level and in the audit trail. Returns whether every step is done.
    func deliver(_ start: HandOff, steps: [Action], group: Group, now: @Sendable () -> Date, report: inout ExecutionReport) async -> Bool {
        var handOff = start
        var invites: [String: InviteCode] = [:]
        while handOff.nextStep < steps.count {
            let index = handOff.nextStep
            let step = steps[index]
            if step.decision != nil {
                handOff.nextStep += 1
                continue
            }
            // A stop between steps keeps the rest for the next start.
            guard !Task.isShuttingDownGracefully else {
                await keep(handOff)
                return false
            }
            let action = PlannedAction(source: handOff.rule, isPolicy: false, mode: .enforce, order: 0, index: index, group: group,
                                       step: .rule(step), requests: [], reason: "")
            do {
                let detail = try await perform(action, values: handOff.values, session: handOff.session, now: now, invites: &invites, report: &report,
                                               handOff: "\(handOff.id)#\(index)", idempotencyKey: "\(handOff.id)-\(index)")
                if let invite = invites[handOff.rule] {
                    handOff.values["invite.code"] = invite.code
                    handOff.values["invite.link"] = invite.link
                }
                record(action, targets: [], outcome: .done, detail: detail, now: now(), report: &report)
                handOff.nextStep += 1
                handOff.lastError = nil
                if handOff.nextStep < steps.count { await keep(handOff) }
            } catch {
                report.failures += 1
                handOff.attempts += 1
                handOff.lastError = "\(error)"
                let late = now() >= handOff.deliverBy
                if late {
                    logger.error("a rule's step was not delivered in time; it is given up", metadata: [
                        "rule": "\(handOff.rule)", "group": "\(handOff.group)", "action": "\(action.name)", "attempts": "\(handOff.attempts)",
                        "error": "\(error)",
                    ])
                    record(action, targets: [], outcome: .failed, detail: "given up after \(handOff.attempts) attempts: \(error)", now: now(), report: &report)
                    await drop(handOff)
                } else {
                    handOff.nextAttempt = now().addingTimeInterval(HandOff.backoff(afterAttempts: handOff.attempts))
                    logger.warning("a rule's step failed; it is kept and retried", metadata: [
                        "rule": "\(handOff.rule)", "group": "\(handOff.group)", "action": "\(action.name)", "attempt": "\(handOff.attempts)",
                        "retry_at": "\(ISO8601DateFormatter().string(from: handOff.nextAttempt))", "error": "\(error)",
                    ])
                    record(action, targets: [], outcome: .failed, detail: "attempt \(handOff.attempts), retried: \(error)", now: now(), report: &report)
                    await keep(handOff)
                }
                return false
            }
        }
        await drop(handOff)
        return true
    }

    /// Saves a hand-off's progress; a failure is logged (its steps may then run again).
    func keep(_ handOff: HandOff) async {
        do {
            try await store.saveHandOff(handOff)
        } catch {
            logger.error("could not save a rule's kept steps; a step may run again", metadata: ["rule": "\(handOff.rule)", "group": "\(handOff.group)", "error": "\(error)"])
        }
    }

    /// Removes a hand-off that is done or given up; a failure is logged (its steps may run again).
    func drop(_ handOff: HandOff) async {
        do {
            try await store.removeHandOff(id: handOff.id)
        } catch {
            logger.error("could not drop a rule's finished steps; they may run again", metadata: ["rule": "\(handOff.rule)", "group": "\(handOff.group)", "error": "\(error)"])
        }
    }

    /// Ends a kept hand-off without running it: logged, in the audit trail, removed.
    private func end(_ handOff: HandOff, _ outcome: AuditOutcome, _ detail: String, now: Date, report: inout ExecutionReport) async {
        let metadata: Logger.Metadata = ["rule": "\(handOff.rule)", "group": "\(handOff.group)", "detail": "\(detail)"]
        if outcome == .failed {
            logger.error("a rule's kept steps are given up", metadata: metadata)
        } else {
            logger.notice("a rule's kept steps are dropped", metadata: metadata)
        }
        report.entries.append(AuditEntry(at: now, rule: handOff.rule, group: handOff.group, action: "steps", targets: [], mode: .enforce,
                                         outcome: outcome, detail: detail))
        await drop(handOff)
    }

    /// Resumes the session's hand-offs that are due: left by a failure, a stop or a crash. The
    /// rule must still have the steps it fired with; otherwise the hand-off ends, reported.
    public func resume(session: String, rules: RuleSet, groups: [Group], skipping handled: Set<String> = [], now: @Sendable () -> Date) async -> ExecutionReport {
        var report = ExecutionReport()
        guard !dryRun else { return report }
        let due: [HandOff]
        do {
            due = try await store.handOffs(session: session).filter { $0.nextAttempt <= now() && !handled.contains($0.id) }
        } catch {
            logger.error("could not read the kept steps", metadata: ["session": "\(session)", "error": "\(error)"])
            return report
        }
        for handOff in due {
            guard !Task.isShuttingDownGracefully else { break }
            // Only a rule that still runs, in enforce mode, with the same steps, may write.
            guard let rule = rules.rule(id: handOff.rule), rule.enabled, rule.mode == .enforce,
                  Self.fingerprint(rule.actions) == handOff.stepsFingerprint, let jid = GroupJID(handOff.group)
            else {
                await end(handOff, .failed, "the rule changed, was disabled or put in audit mode before its steps were delivered", now: now(), report: &report)
                continue
            }
            let listed = groups.first { $0.jid == jid }
            // A group the rule no longer selects (its kind known now, or the rule's groups
            // changed) gets none of its steps.
            if let listed, !rules.selects(rule.groups, listed) {
                await end(handOff, .skipped, "the rule no longer selects this group (a \(listed.kind.label))", now: now(), report: &report)
                continue
            }
            // A threshold's action is retried only while the count is still past the threshold:
            // turning announcement on for a group that has since emptied would be wrong.
            if case .memberCount(let trigger) = rule.trigger {
                guard let size = listed?.size else {
                    // Not known this tick: later, but not past the deadline.
                    if now() >= handOff.deliverBy {
                        await end(handOff, .failed, "given up: the member count was not known before deliver_within", now: now(), report: &report)
                    }
                    continue
                }
                guard trigger.isCrossed(by: size) else {
                    await end(handOff, .skipped, "the member count (\(size)) no longer holds the threshold", now: now(), report: &report)
                    continue
                }
            }
            let group = listed ?? Group(jid: jid, subject: handOff.values["group.subject"])
            _ = await deliver(handOff, steps: rule.actions, group: group, now: now, report: &report)
        }
        await appendAudit(&report)
        return report
    }
}
