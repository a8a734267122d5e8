import Foundation

/// Writing to standard output and error without ever trapping: a log consumer that went away (a
/// closed pipe) or a full disk costs the log line, not the engine. (`FileHandle.write(_:)` traps
/// on such errors.)
enum StandardStreams {
    /// Once at start: a closed pipe is then an error of the write, not a signal that kills.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    static func out(_ text: String) { write(Data(text.utf8), to: STDOUT_FILENO) }
    static func err(_ text: String) { write(Data(text.utf8), to: STDERR_FILENO) }

    static func write(_ data: Data, to descriptor: Int32) {
        data.withUnsafeBytes { buffer in
            guard var pointer = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let written = Foundation.write(descriptor, pointer, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE, ENOSPC, EBADF...: the line is lost, the process goes on
                }
                left -= written
                pointer = pointer.advanced(by: written)
            }
        }
    }
}
