import Foundation
public import WadialAPI

/// A fault the sandbox can inject into one call.
public enum Fault: Sendable, Hashable, CustomStringConvertible {
    /// Wait before answering.
    case latency(Duration)
    /// Answer with this status without acting (503 and 429 carry `Retry-After` when given).
    case status(Int, retryAfter: Int?)
    /// Close the connection without answering, before acting.
    case drop
    /// Act, then close the connection without answering: the client cannot know it worked.
    case dropAfterApply
    /// Act, then answer 200 with a body that is not JSON.
    case malformed

    public var description: String {
        switch self {
        case .latency(let duration): "latency \(duration)"
        case .status(let status, let retryAfter): "status \(status)" + (retryAfter.map { " retry-after \($0)" } ?? "")
        case .drop: "drop"
        case .dropAfterApply: "drop-after-apply"
        case .malformed: "malformed"
        }
    }
}

/// Random faults at given rates, plus scripted ones that tests queue for the next matching calls.
public actor FaultInjector {
    public struct Rates: Sendable, Hashable {
        /// Share of calls answered 500 or 503.
        public var errorRate: Double
        /// Share of calls answered 429 with `Retry-After`.
        public var throttleRate: Double
        public var retryAfterSeconds: Int
        /// Share of calls whose connection is dropped (half before acting, half after).
        public var dropRate: Double
        /// Share of calls answered with a body that is not JSON.
        public var malformedRate: Double
        /// Added to every call.
        public var latency: Duration

        public init(errorRate: Double = 0, throttleRate: Double = 0, retryAfterSeconds: Int = 1, dropRate: Double = 0, malformedRate: Double = 0, latency: Duration = .zero) {
            self.errorRate = errorRate
            self.throttleRate = throttleRate
            self.retryAfterSeconds = retryAfterSeconds
            self.dropRate = dropRate
            self.malformedRate = malformedRate
            self.latency = latency
        }

        public static let none = Rates()
    }

    private var rates: Rates
    private var scripted: [(operation: WadialOperation?, fault: Fault)] = []
    private var generator: SplitMix

    public init(rates: Rates = .none, seed: UInt64 = 1) {
        self.rates = rates
        self.generator = SplitMix(seed: seed)
    }

    public func setRates(_ rates: Rates) {
        self.rates = rates
    }

    /// Queues faults for the next calls of `operation` (any operation when nil), in order.
    public func script(_ faults: [Fault], for operation: WadialOperation? = nil) {
        scripted += faults.map { (operation, $0) }
    }

    /// The faults for one call: added latency first, then at most one other.
    func faults(for operation: WadialOperation) -> [Fault] {
        var result: [Fault] = rates.latency > .zero ? [.latency(rates.latency)] : []
        if let index = scripted.firstIndex(where: { $0.operation == nil || $0.operation == operation }) {
            result.append(scripted.remove(at: index).fault)
            return result
        }
        var roll = Double(generator.next() % 1_000_000) / 1_000_000
        for (rate, fault) in [
            (rates.errorRate, Fault.status(generator.next() % 2 == 0 ? 500 : 503, retryAfter: nil)),
            (rates.throttleRate, .status(429, retryAfter: rates.retryAfterSeconds)),
            (rates.dropRate, generator.next() % 2 == 0 ? .drop : .dropAfterApply),
            (rates.malformedRate, .malformed),
        ] {
            if roll < rate { return result + [fault] }
            roll -= rate
        }
        return result
    }
}

/// SplitMix64: reproducible fault sequences.
struct SplitMix: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
