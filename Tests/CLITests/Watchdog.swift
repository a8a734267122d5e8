import Foundation
import Testing

/// Kills a child process that is still running after a time limit, so that a test waiting on it
/// (for its output or its exit) fails with a reason instead of hanging the suite.
final class Watchdog: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var fired = false
    private var disarmed = false

    init(_ process: Process, limit: TimeInterval) {
        DispatchQueue.global().asyncAfter(deadline: .now() + limit) { [self] in
            lock.lock()
            defer { lock.unlock() }
            guard !disarmed, process.isRunning else { return }
            fired = true
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// True when the limit passed and the process was killed.
    var expired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return fired
    }

    /// The process is done with; the limit no longer applies.
    func disarm() {
        lock.lock()
        disarmed = true
        lock.unlock()
    }
}

extension Process {
    /// Waits for the process to exit, at most `limit` seconds; past that it is killed and the
    /// test records why.
    func waitUntilExit(within limit: TimeInterval, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let watchdog = Watchdog(self, limit: limit)
        waitUntilExit()
        watchdog.disarm()
        #expect(!watchdog.expired, "\(what) did not exit within \(Int(limit)) s and was killed", sourceLocation: sourceLocation)
    }
}
