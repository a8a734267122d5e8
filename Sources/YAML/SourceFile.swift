public import Foundation

/// Reading a YAML file from disk with its size checked first: a file over the limit is refused
/// by its size, before any of it is read (a world file or rule test of gigabytes costs nothing).
public enum SourceFile {
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case unreadable
        case notAFile
        case tooLarge(bytes: Int, limit: Int)
        /// A byte that is no part of a UTF-8 character, where it is (the column counts characters).
        case notUTF8(byte: UInt8, at: Mark)

        public var description: String {
            switch self {
            case .unreadable: "cannot read the file (does it exist, and may this user read it?)"
            case .notAFile: "is not a regular file (a folder, a FIFO or a device is not read)"
            case .tooLarge(let bytes, let limit): "file is \(bytes) bytes, over the limit of \(limit) bytes"
            case .notUTF8(let byte, _):
                "is not UTF-8 text: the byte 0x\(String(byte, radix: 16, uppercase: true)) here is no part of a UTF-8 character; save the file as UTF-8"
            }
        }

        /// Where in the file, when the problem has a place (diagnostics show it before the message).
        public var mark: Mark? {
            if case .notUTF8(_, let mark) = self { return mark }
            return nil
        }
    }

    /// A file's bytes as text: UTF-8, or UTF-16 with a byte order mark (libyaml reads both).
    /// Anything else is refused with the place of its first bad byte, never repaired: a
    /// replacement character in a group name or a number would change what a rule matches.
    public static func text(_ data: Data) -> Result<String, Problem> {
        if let text = String(validating: data, as: UTF8.self) { return .success(text) }
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]), let text = String(data: data, encoding: .utf16) {
            return .success(text)
        }
        let bytes = [UInt8](data)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length = byte < 0x80 ? 1 : byte >> 5 == 0b110 ? 2 : byte >> 4 == 0b1110 ? 3 : byte >> 3 == 0b11110 ? 4 : 0
            guard length > 0, index + length <= bytes.count, String(validating: bytes[index..<index + length], as: UTF8.self) != nil else {
                return .failure(.notUTF8(byte: byte, at: Mark(ofByte: index, in: bytes)))
            }
            index += length
        }
        return .failure(.unreadable)  // not reached: some byte was found invalid above
    }

    /// The text of the file at `path`, at most `maximumBytes` long (the YAML parser's limit by
    /// default), UTF-8 or UTF-16 with a byte order mark (`text(_:)`).
    public static func read(_ path: String, maximumBytes: Int = YAMLParser.Limits().maxBytes) -> Result<String, Problem> {
        bytes(path, maximumBytes: maximumBytes).flatMap(text)
    }

    /// The bytes of the regular file at `path`, at most `maximumBytes` of them.
    public static func bytes(_ path: String, maximumBytes: Int) -> Result<Data, Problem> {
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
        guard let data = try? handle.read(upToCount: maximumBytes + 1) else { return .success(Data()) }
        guard data.count <= maximumBytes else { return .failure(.tooLarge(bytes: data.count, limit: maximumBytes)) }
        return .success(data)
    }
}
