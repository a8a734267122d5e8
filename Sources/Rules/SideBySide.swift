import Dispatch
import Foundation

/// Work on the files of a rule set side by side, one file per core at a time.
///
/// Each index is done by one thread, whose result goes to its own slot; the results come back in
/// index order, so what a load reports never depends on which file finished first. A single
/// file is done on the caller's thread.
enum SideBySide {
    /// How many threads a load uses at most: the cores, or `WADIAL_LOAD_THREADS` (1 to 64) when set,
    /// to compare a load on one core with one on all of them (the commands refuse other values:
    /// `RuleLoader.threadsProblem`).
    static let threads: Int = ProcessInfo.processInfo.environment[variable].flatMap(requested)
        ?? max(1, ProcessInfo.processInfo.activeProcessorCount)

    static let variable = "WADIAL_LOAD_THREADS"

    /// The threads `WADIAL_LOAD_THREADS` asks for: a whole number from 1 to 64, else nil.
    static func requested(_ text: String) -> Int? {
        Int(text).flatMap { (1...64).contains($0) ? $0 : nil }
    }

    static func map<T>(_ count: Int, threads: Int = SideBySide.threads, _ body: (Int) -> T) -> [T] {
        guard count > 1, threads > 1 else { return (0..<count).map(body) }
        // Indices are handed out one at a time, so that a large file does not hold up a batch.
        let next = Counter()
        let workers = min(threads, count)
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            withoutActuallyEscaping(body) { body in
                let shared = Unchecked(body: body, base: base, next: next)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    while let index = shared.next.take(below: count) {
                        (shared.base + index).initialize(to: shared.body(index))
                    }
                }
            }
            initialized = count
        }
    }

    /// What the workers share: each slot is written by one worker only, and read after all end.
    private struct Unchecked<T>: @unchecked Sendable {
        let body: (Int) -> T
        let base: UnsafeMutablePointer<T>
        let next: Counter
    }

    private final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()

        func take(below limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
