import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A source text with the offsets of its lines, to quote the line of a diagnostic.
///
/// The line starts are found (one memchr pass over the UTF-8 bytes) when a diagnostic first
/// asks for a line: a file that loads cleanly pays nothing for them.
public struct SourceText: Sendable {
    public let name: String
    let text: String
    private let lines: LineStarts

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.lines = LineStarts()
    }

    /// UTF-8 offset of the start of each line, worked out once by whoever asks first.
    private final class LineStarts: @unchecked Sendable {
        private let lock = NSLock()
        private var starts: [Int]?

        func of(_ text: String) -> [Int] {
            lock.lock()
            defer { lock.unlock() }
            if let starts { return starts }
            var found = [0]
            var contiguous = text
            contiguous.withUTF8 { bytes in
                // memchr from one line break to the next: a fraction of a byte-by-byte loop.
                guard let base = bytes.baseAddress else { return }
                var offset = 0
                while offset < bytes.count, let hit = memchr(base + offset, Int32(UInt8(ascii: "\n")), bytes.count - offset) {
                    let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    found.append(index + 1)
                    offset = index + 1
                }
            }
            starts = found
            return found
        }
    }

    /// The 1-based line `number`, without its line break; nil outside the text.
    public func line(_ number: Int) -> String? {
        let lineStarts = lines.of(text)
        guard number >= 1, number <= lineStarts.count else { return nil }
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: lineStarts[number - 1])
        let end = number < lineStarts.count ? utf8.index(utf8.startIndex, offsetBy: lineStarts[number] - 1) : utf8.endIndex
        var line = Substring(text[start..<end])
        if line.last == "\r" { line = line.dropLast() }
        // Very long lines are cut: a diagnostic quotes context, not the whole file.
        return line.count > 300 ? String(line.prefix(300)) : String(line)
    }

    public func diagnostic(at mark: Mark?, _ message: String, notes: [String] = []) -> Diagnostic {
        Diagnostic(file: name, mark: mark, message: message, sourceLine: mark.flatMap { line($0.line) }, notes: notes)
    }
}
