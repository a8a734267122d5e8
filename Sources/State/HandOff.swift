public import Foundation

/// The steps of one rule firing on one group that are not done yet, kept durably until they are:
/// what comes after a write (the webhook that hands a rotated invite link on, a log line, the
/// next write) survives a failure, a stop and a crash, and is retried with backoff until
/// `deliverBy`, then reported as failed.
///
/// It is written in the same transaction as the state change that made the rule fire (a
/// schedule's run, a threshold's phase), so a firing is never recorded without its steps.
public struct HandOff: Sendable, Hashable, Codable {
    /// Unique; also the base of each webhook delivery's `Idempotency-Key`, the same on every retry.
    public var id: String
    public var session: String
    public var group: String
    public var rule: String
    /// The index in the rule's `then:` of the next step to run.
    public var nextStep: Int
    /// The rule's steps as they were when it fired; a reload that changes them ends the hand-off
    /// (reported), rather than running other steps than the ones it fired with.
    public var stepsFingerprint: String
    /// The template values, rendered when the rule fired (`{{invite.*}}` once its
    /// `rotate_invite` is done).
    public var values: [String: String]
    public var created: Date
    public var deliverBy: Date
    public var attempts: Int
    public var nextAttempt: Date
    public var lastError: String?

    public init(id: String, session: String, group: String, rule: String, nextStep: Int, stepsFingerprint: String, values: [String: String],
                created: Date, deliverBy: Date, attempts: Int = 0, nextAttempt: Date, lastError: String? = nil) {
        self.id = id
        self.session = session
        self.group = group
        self.rule = rule
        self.nextStep = nextStep
        self.stepsFingerprint = stepsFingerprint
        self.values = values
        self.created = created
        self.deliverBy = deliverBy
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.lastError = lastError
    }

    /// The pause before attempt `attempts + 1`: 30 s doubling, at most an hour.
    public static func backoff(afterAttempts attempts: Int) -> TimeInterval {
        min(30 * pow(2, Double(min(max(attempts - 1, 0), 12))), 3_600)
    }
}
