import Foundation
import Logging

/// One JSON object a line on standard error: `time`, `level`, `label`, `message`, and the
/// metadata as fields. Library code logs fixed messages with details in metadata, so each line
/// is easy to filter.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static let reserved: Set<String> = ["time", "level", "label", "message"]

    func log(event: LogEvent) {
        var object: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            // Metadata never overwrites the line's own fields: a detail named `message` is
            // `metadata.message`.
            object[Self.reserved.contains(key) ? "metadata." + key : key] = "\(value)"
        }
        object["time"] = ISO8601DateFormatter().string(from: Date())
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(object) else { return }
        data.append(0x0A)
        StandardStreams.write(data, to: STDOUT_FILENO)
    }
}

enum LogFormat: String, CaseIterable {
    case text, json

    /// Installs the process's log handler; call once, before any logger is made.
    func bootstrap(level: Logger.Level) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = TextLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
