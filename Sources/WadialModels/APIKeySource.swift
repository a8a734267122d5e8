import Foundation

/// Where the API key comes from: `WADIAL_API_KEY`, or the file `WADIAL_API_KEY_FILE` names (its
/// content trimmed of surrounding white space). The client reads it to send it; the rule loader
/// reads it to refuse it in rules.
public enum APIKeySource {
    public static let variable = "WADIAL_API_KEY"
    public static let fileVariable = "WADIAL_API_KEY_FILE"

    /// The key set in `WADIAL_API_KEY`, if any (empty is none).
    public static func fromVariable(_ environment: [String: String]) -> String? {
        environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The path `WADIAL_API_KEY_FILE` names, if any.
    public static func filePath(_ environment: [String: String]) -> String? {
        environment[fileVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The trimmed content of the key file at `path` (at most 64 KiB is read); nil when it cannot
    /// be read or is not a regular file.
    public static func readFile(_ path: String) -> String? {
        guard (try? FileManager.default.attributesOfItem(atPath: path)[.type]) as? FileAttributeType == .typeRegular,
              let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64 << 10) else { return "" }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
