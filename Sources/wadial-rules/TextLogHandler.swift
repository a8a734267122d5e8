import Foundation
import Logging
import WadialModels

/// One line per event on standard output: `TIME LEVEL MESSAGE key=value ...`, metadata sorted by
/// key. Every message and value is escaped for a terminal (`TextEscaping.visible`): a group
/// subject or requester JID with a line break or an escape sequence cannot forge a line or move
/// the cursor. A value with spaces, quotes or `=` is quoted.
struct TextLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        StandardStreams.out(Self.line(event, metadata: metadata, at: Date()) + "\n")
    }

    static func line(_ event: LogEvent, metadata: Logger.Metadata, at date: Date) -> String {
        var line = ISO8601DateFormatter().string(from: date) + " " + event.level.rawValue + " " + TextEscaping.visible("\(event.message)")
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in all.keys.sorted() {
            line += " " + TextEscaping.visible(key) + "=" + quoted(TextEscaping.visible("\(all[key].map { "\($0)" } ?? "")"))
        }
        return line
    }

    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
