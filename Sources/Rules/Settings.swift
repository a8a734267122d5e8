/// `settings:`, at most once across the files of a rule set.
public struct Settings: Sendable, Hashable {
    public static let minimumPollInterval: Duration = .seconds(5)

    public var pollInterval: Duration
    /// IANA identifier; the default for schedules and time windows.
    public var timezone: String
    public var limits: Limits
    /// `lease:`: how long a session's lease lasts and the margin before its end after which no
    /// write is sent; nil for the defaults, which follow the poll interval (`lease`).
    public var leaseDuration: Duration?
    public var leaseMargin: Duration?
    public var retention: Retention

    public init(pollInterval: Duration = .seconds(30), timezone: String = "UTC", limits: Limits = Limits(),
                leaseDuration: Duration? = nil, leaseMargin: Duration? = nil, retention: Retention = Retention()) {
        self.pollInterval = pollInterval
        self.timezone = timezone
        self.limits = limits
        self.leaseDuration = leaseDuration
        self.leaseMargin = leaseMargin
        self.retention = retention
    }

    public static let minimumLeaseDuration: Duration = .seconds(3)
    public static let maximumLeaseDuration: Duration = .seconds(3600)
    public static let minimumLeaseMargin: Duration = .seconds(1)

    /// The lease in effect: by default twice the poll interval, at least 15 s and at most 10
    /// minutes, with a quarter of it as the margin (at least 1 s). Renewed every fifth of it.
    public var lease: (duration: Duration, margin: Duration) {
        let duration = leaseDuration ?? min(max(pollInterval * 2, .seconds(15)), .seconds(600))
        let margin = leaseMargin ?? max(duration / 4, Self.minimumLeaseMargin)
        return (duration, margin)
    }

    /// `retention:`: how long the audit trail, closed journal intents and acted-on records are
    /// kept (acted-on records at least 7 days, and never while their request is still listed).
    public struct Retention: Sendable, Hashable {
        public static let minimumActed: Duration = .seconds(7 * 86_400)

        public var audit: Duration
        public var journal: Duration
        public var acted: Duration

        public init(audit: Duration = .seconds(90 * 86_400), journal: Duration = .seconds(30 * 86_400), acted: Duration = .seconds(30 * 86_400)) {
            self.audit = audit
            self.journal = journal
            self.acted = acted
        }
    }

    public struct Limits: Sendable, Hashable {
        /// Writes to the API per minute, all rules together (the ban-risk budget).
        public var mutationsPerMinute: Int
        /// API calls per minute, reads included.
        public var requestsPerMinute: Int
        /// Actions one rule may take on one group in one evaluation; the rest waits for the next.
        public var maxActionsPerRun: Int

        public init(mutationsPerMinute: Int = 20, requestsPerMinute: Int = 120, maxActionsPerRun: Int = 50) {
            self.mutationsPerMinute = mutationsPerMinute
            self.requestsPerMinute = requestsPerMinute
            self.maxActionsPerRun = maxActionsPerRun
        }
    }
}
