/// `settings:`, at most once across the files of a rule set.
public struct Settings: Sendable, Hashable {
    public static let minimumPollInterval: Duration = .seconds(5)

    public var pollInterval: Duration
    /// IANA identifier; the default for schedules and time windows.
    public var timezone: String
    public var limits: Limits

    public init(pollInterval: Duration = .seconds(30), timezone: String = "UTC", limits: Limits = Limits()) {
        self.pollInterval = pollInterval
        self.timezone = timezone
        self.limits = limits
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
