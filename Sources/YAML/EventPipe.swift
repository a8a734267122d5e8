import Foundation

/// libyaml on one thread, the composer on another: a large file's events are parsed and copied
/// into Swift by a producer thread and handed over in batches, while the calling thread builds
/// the tree. libyaml's work and the tree's are each about half of a parse, so a large file
/// parses in a little more than the time libyaml alone takes.
///
/// The producer is a thread of its own (not a dispatch worker: the caller may itself be one of
/// the few the pool has, waiting here). Events keep their order; a libyaml error arrives after
/// the events before it, as in a parse on one thread. The consumer waits for the producer to end
/// before it returns, so no parse outlives the call.
final class EventPipe: @unchecked Sendable {
    /// Events handed over at once, and batches waiting at most (the producer waits beyond).
    static let batchSize = 512
    static let waitingBatches = 8

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var batches: [Batch] = []

    /// Events, and the text of their scalars (`ScalarEvent.start` is an offset into it).
    struct Batch: Sendable {
        var events: [Event] = []
        var text: [UInt8] = []
    }
    private var failure: EventStream.Failure?
    private var producerDone = false
    private var stopped = false

    /// The input, read by the producer thread; its owner keeps it valid until `stopAndWait`.
    private struct Input: @unchecked Sendable {
        let bytes: UnsafeBufferPointer<UInt8>
    }

    /// Parses `bytes` on a new thread, putting events into the pipe. The caller keeps `bytes`
    /// valid until `stopAndWait` has returned.
    func startProducing(_ bytes: UnsafeBufferPointer<UInt8>) {
        let input = Input(bytes: bytes)
        let thread = Thread { [self] in
            let stream = EventStream(bytes: input.bytes)
            var batch = Batch()
            batch.events.reserveCapacity(Self.batchSize)
            var failure: EventStream.Failure?
            while true {
                do throws(EventStream.Failure) {
                    let event = try stream.next(text: &batch.text)
                    batch.events.append(event)
                    if case .streamEnd = event { break }
                } catch {
                    failure = error
                    break
                }
                if batch.events.count == Self.batchSize {
                    guard put(batch) else { break }
                    batch = Batch()
                    batch.events.reserveCapacity(Self.batchSize)
                }
            }
            finish(last: batch, failure: failure)
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func put(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= Self.waitingBatches && !stopped { condition.wait() }
        guard !stopped else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    private func finish(last batch: Batch, failure: EventStream.Failure?) {
        condition.lock()
        defer { condition.unlock() }
        if !batch.events.isEmpty && !stopped { batches.append(batch) }
        self.failure = failure
        producerDone = true
        condition.broadcast()
    }

    /// The next batch; an empty one at the end. Throws libyaml's failure once the events before
    /// it are taken.
    func take() throws(EventStream.Failure) -> Batch {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !producerDone { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return Batch()
    }

    /// Tells the producer to stop (the consumer has failed) and waits until it has.
    func stopAndWait() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        while !producerDone { condition.wait() }
        batches = []
    }
}
