public import Foundation

/// Reading a YAML file from disk with its size checked first: a file over the limit is refused
/// by its size, before any of it is read (a world file or rule test of gigabytes costs nothing).
public enum SourceFile {
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case unreadable
        case notAFile
        case tooLarge(bytes: Int, limit: Int)

        public var description: String {
            switch self {
            case .unreadable: "cannot read the file (does it exist, and may this user read it?)"
            case .notAFile: "is not a regular file (a folder, a FIFO or a device is not read)"
            case .tooLarge(let bytes, let limit): "file is \(bytes) bytes, over the limit of \(limit) bytes"
            }
        }
    }

    /// The text of the file at `path`, at most `maximumBytes` long (the YAML parser's limit by
    /// default). Invalid UTF-8 is kept for libyaml to report with a mark.
    public static func read(_ path: String, maximumBytes: Int = YAMLParser.Limits().maxBytes) -> Result<String, Problem> {
        // A FIFO or a device would block or never end: only regular files are read.
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else { return .failure(.unreadable) }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { return .failure(.notAFile) }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(.unreadable) }
        defer { try? handle.close() }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int, size > maximumBytes {
            return .failure(.tooLarge(bytes: size, limit: maximumBytes))
        }
        // Read one byte past the limit, in case the file grew since it was measured.
        guard let data = try? handle.read(upToCount: maximumBytes + 1) else { return .success("") }
        guard data.count <= maximumBytes else { return .failure(.tooLarge(bytes: data.count, limit: maximumBytes)) }
        return .success(String(decoding: data, as: UTF8.self))
    }
}
