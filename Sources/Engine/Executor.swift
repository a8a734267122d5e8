public import Foundation
public import Logging
import Metrics
import Rules
import ServiceLifecycle
public import State
public import WadialAPI
import WadialModels

/// Carries out a plan: batches decisions per group, journals every write, renders templates,
/// and records outcomes. A failed step stops the rule's remaining steps for that group.
public struct Executor: Sendable {
    public let client: any WadialClient
    public let store: any StateStore
    public let webhooks: any WebhookSender
    public let dryRun: Bool
    public let logger: Logger
    /// With leases, each intent carries the epoch of the session's lease, and none is written
    /// (nothing is sent) while this engine does not hold it.
    public let leases: LeaseBook?
    /// Told of writes the API refused with 403: the account is not an admin there.
    public let rights: AccountRights?

    public init(client: any WadialClient, store: any StateStore, webhooks: any WebhookSender = HTTPWebhookSender(), dryRun: Bool = false, logger: Logger,
                leases: LeaseBook? = nil, rights: AccountRights? = nil) {
        self.rights = rights
        self.client = client
        self.store = store
        self.webhooks = webhooks
        self.dryRun = dryRun
        self.logger = logger
        self.leases = leases
    }

    /// Journals `intent` under the session's lease epoch; throws `LeaseFenced` when this engine
    /// does not hold the lease (then nothing may be sent).
    func journal(_ intent: JournalIntent) async throws -> Int64 {
        var intent = intent
        if let leases {
            guard let epoch = await leases.epoch(intent.session) else {
                throw LeaseFenced(session: intent.session, epoch: 0, current: nil)
            }
            intent.epoch = epoch
        }
        return try await store.openIntent(intent)
    }

    var mode: AuditMode { dryRun ? .dryRun : .enforce }

    /// Carries out `plan`: its state changes and the hand-offs of the rules it fires are
    /// committed first, in one transaction (if that fails, nothing is sent); then each group's
    /// decisions, then each rule's other steps through its hand-off.
    public func execute(_ plan: Plan, session: String, now: @Sendable () -> Date) async -> ExecutionReport {
        var report = ExecutionReport()
        for note in plan.notes {
            report.entries.append(AuditEntry(at: now(), rule: note.source, group: note.group.rawValue, action: note.action, targets: [],
                                             mode: .audit, outcome: .drift, detail: note.detail))
            logger.info("policy \(note.source) found drift: \(note.detail)", metadata: ["policy": "\(note.source)", "group": "\(note.group)"])
        }
        var groupsInOrder: [GroupJID] = []
        var byGroup: [GroupJID: [PlannedAction]] = [:]
        for action in plan.actions.sorted(by: { ($0.order, $0.index) < ($1.order, $1.index) }) {
            if byGroup[action.group.jid] == nil { groupsInOrder.append(action.group.jid) }
            byGroup[action.group.jid, default: []].append(action)
        }
        var handOffs: [GroupJID: [String: HandOff]] = [:]
        for jid in groupsInOrder {
            handOffs[jid] = makeHandOffs(byGroup[jid] ?? [], session: session, now: now())
        }
        // Without the lease (taken over, or about to lapse) nothing of the tick is kept or sent:
        // the holder's own tick decides and records.
        if let leases, !dryRun, await leases.epoch(session) == nil {
            logger.warning("not acting: this engine no longer holds the session's lease", metadata: ["session": "\(session)"])
            return report
        }
        do {
            try await store.commit(plan.stateChanges, handOffs: handOffs.values.flatMap(\.values))
        } catch {
            logger.error("could not write the tick's state; nothing is sent until it can be written",
                         metadata: ["session": "\(session)", "error": "\(error)"])
            report.failures += 1
            report.stateFailure = "\(error)"
            return report
        }
        for jid in groupsInOrder {
            guard !Task.isShuttingDownGracefully else { break }
            await executeGroup(byGroup[jid] ?? [], handOffs: handOffs[jid] ?? [:], session: session, now: now, report: &report)
        }
        await appendAudit(&report)
        return report
    }

    func appendAudit(_ report: inout ExecutionReport) async {
        do {
            try await store.appendAudit(report.entries)
        } catch {
            logger.error("could not write the audit trail", metadata: ["error": "\(error)"])
        }
    }

    func writes(_ action: PlannedAction) -> Bool { action.mode == .enforce && !dryRun }

    /// One hand-off per rule firing that writes and has steps besides its decision, keyed by rule.
    /// One hand-off per rule firing that writes and has steps besides a decision, keyed by rule.
    /// A rule that also decides gets its hand-off only once its decision is done (`executeGroup`):
    /// its other steps must never run for a decision that did not happen.
    private func makeHandOffs(_ actions: [PlannedAction], session: String, now: Date) -> [String: HandOff] {
        var result: [String: HandOff] = [:]
        let deciding = Set(actions.filter { $0.decision != nil }.map(\.source))
        for action in actions where !action.isPolicy && action.decision == nil && writes(action) && result[action.source] == nil && !deciding.contains(action.source) {
            result[action.source] = makeHandOff(action, among: actions, session: session, now: now)
        }
        return result
    }

    func makeHandOff(_ first: PlannedAction, among actions: [PlannedAction], session: String, now: Date) -> HandOff {
        let steps = actions.filter { $0.source == first.source && !$0.isPolicy }.sorted { $0.index < $1.index }
        return HandOff(
            id: UUID().uuidString.lowercased(), session: session, group: first.group.jid.rawValue, rule: first.source,
            nextStep: first.index, stepsFingerprint: Self.fingerprint(steps.compactMap { if case .rule(let step) = $0.step { step } else { nil } }),
            values: templateValues(first, invite: nil, now: now), created: now,
            deliverBy: now.addingTimeInterval(Double(first.deliverWithin.components.seconds)), nextAttempt: now)
    }

    /// A rule's steps as text: a hand-off resumes only while the rule still has these steps.
    static func fingerprint(_ steps: [Action]) -> String {
        steps.map { String(describing: $0) }.joined(separator: "\n")
    }

    private func executeGroup(_ actions: [PlannedAction], handOffs: [String: HandOff], session: String, now: @Sendable () -> Date, report: inout ExecutionReport) async {
        guard let group = actions.first?.group else { return }
        var failedRules: Set<String> = []
        // All approvals for the group in one call, then all rejections.
        for decision in [RequestDecision.approve, .reject] {
            let steps = actions.filter { $0.decision == decision && writes($0) }
            // Each requester once, for the first rule that claims it (a list that repeats an
            // entry must not make one call name the requester twice).
            var named: Set<UserJID> = []
            let targets = steps.flatMap { step in step.requests.map { (rule: step.source, request: $0) } }.filter { named.insert($0.request.jid).inserted }
            guard !targets.isEmpty, !Task.isShuttingDownGracefully else { continue }
            let failed = await decide(decision, targets, group: group, session: session, now: now, report: &report)
            failedRules.formUnion(failed)
        }
        var invites: [String: InviteCode] = [:]
        var firedRequestRules: [String: [MembershipRequest]] = [:]
        var delivered: Set<String> = []
        for action in actions {
            if !action.requests.isEmpty { firedRequestRules[action.source] = action.requests }
            if action.decision != nil {
                if !writes(action) {
                    record(action, targets: action.requests.map(\.jid.rawValue), outcome: .would, detail: action.reason, now: now(), report: &report)
                }
                continue
            }
            // A rule that decided (done): its other steps get their hand-off now.
            var handOff = handOffs[action.source]
            if handOff == nil, writes(action), !action.isPolicy, !delivered.contains(action.source), !failedRules.contains(action.source),
               actions.contains(where: { $0.source == action.source && $0.decision != nil }) {
                let fresh = makeHandOff(action, among: actions, session: session, now: now())
                do {
                    try await store.saveHandOff(fresh)
                    handOff = fresh
                } catch {
                    logger.error("could not keep a rule's steps after its decision; they are not sent", metadata: ["rule": "\(action.source)", "error": "\(error)"])
                    failedRules.insert(action.source)
                }
            }
            // A rule that writes: its steps run through its hand-off, once, in order.
            // (A deciding rule's hand-off exists only once its decision is done, above.)
            if let handOff {
                guard !delivered.contains(action.source) else { continue }
                delivered.insert(action.source)
                let steps = actions.filter { $0.source == action.source }.compactMap { if case .rule(let step) = $0.step { step } else { nil } }
                _ = await deliver(handOff, steps: steps, group: group, now: now, report: &report)
                report.handOffs.insert(handOff.id)
                continue
            }
            guard !failedRules.contains(action.source) else {
                record(action, targets: [], outcome: .skipped, detail: "an earlier step of this rule failed", now: now(), report: &report)
                continue
            }
            // A stop: what was done is still recorded below.
            guard !Task.isShuttingDownGracefully else { break }
            let values = templateValues(action, invite: invites[action.source], now: now())
            do {
                let detail = try await perform(action, values: values, session: session, now: now, invites: &invites, report: &report)
                let outcome: AuditOutcome = writes(action) || !action.isWrite ? .done : .would
                record(action, targets: [], outcome: outcome, detail: detail, now: now(), report: &report)
            } catch {
                failedRules.insert(action.source)
                report.failures += 1
                record(action, targets: [], outcome: .failed, detail: "\(error)", now: now(), report: &report)
            }
        }
        // Rules that fired for requests without deciding them (log, webhook, audit mode) remember
        // them, so that they do not fire again for the same request; a hand-off carries on with
        // whatever of their steps is not done.
        var remembered: [ActedRequest] = []
        for (rule, requests) in firedRequestRules {
            let decidedHere = actions.contains { $0.source == rule && writes($0) && $0.decision != nil }
            guard !decidedHere, !failedRules.contains(rule) || handOffs[rule] != nil else { continue }
            remembered += requests.map { ActedRequest(rule: rule, group: group.jid, requester: $0.jid, requestedAt: $0.requestKey, decision: nil, at: now()) }
        }
        do {
            try await store.recordActed(remembered)
        } catch {
            logger.error("could not record acted requests", metadata: ["error": "\(error)"])
        }
    }

    func record(_ action: PlannedAction, targets: [String], outcome: AuditOutcome, detail: String, now: Date, report: inout ExecutionReport) {
        let mode: AuditMode = action.mode == .audit ? .audit : self.mode
        report.entries.append(AuditEntry(at: now, rule: action.source, group: action.group.jid.rawValue, action: action.name, targets: targets,
                                         mode: mode, outcome: outcome, detail: detail, groupKind: action.group.kind))
        if action.name != Action.Kind.log.name {
            let subject = action.group.name
            let level: Logger.Level = outcome == .failed || outcome == .unknown ? .warning : .info
            var metadata: Logger.Metadata = [
                "rule": "\(action.source)", "group": "\(action.group.jid)", "subject": "\(action.group.subject ?? "")", "action": "\(action.name)",
                "outcome": "\(outcome)", "mode": "\(mode)", "detail": "\(detail)",
            ]
            var message = "\(action.name) \(outcome) in \(subject)"
            // A decision not sent (dry run, audit mode) names whom it would have decided.
            if outcome == .would, case .rule(.decide(let decision)) = action.step, !action.requests.isEmpty {
                let count = action.requests.count
                message = "would \(decision.rawValue) \(count) join request\(count == 1 ? "" : "s") in \(subject) (\(mode))"
                metadata["requesters"] = "\(action.requests.map(\.described).joined(separator: ", "))"
            }
            logger.log(level: level, "\(message)", metadata: metadata)
        }
    }
}
