public import Foundation

/// What went wrong with the state file, where, and what to do.
public struct StateStoreError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case cannotOpen(String)
        case vanished
        case replaced
        case emptied
    }

    private let code: Code
    /// The state file's path.
    public let path: String

    public static func cannotOpen(path: String, underlying: any Error) -> StateStoreError {
        StateStoreError(code: .cannotOpen("\(underlying)"), path: path)
    }

    public static func vanished(path: String) -> StateStoreError { StateStoreError(code: .vanished, path: path) }
    public static func replaced(path: String) -> StateStoreError { StateStoreError(code: .replaced, path: path) }
    public static func emptied(path: String) -> StateStoreError { StateStoreError(code: .emptied, path: path) }

    /// True for a file deleted or replaced under a running engine.
    public var isLostFile: Bool {
        if case .cannotOpen = code { false } else { true }
    }

    public var description: String {
        switch code {
        case .cannotOpen(let reason):
            "cannot open the state file \(path): \(reason). Check that its folder exists and this user may write it, "
                + "and that the disk has space; if the file is corrupt, move it (and its -wal and -shm files) aside: "
                + "the engine then starts afresh and may act again on requests it had already decided"
        case .vanished:
            "the state file \(path) was deleted or moved while the engine runs; nothing is written until it is back. "
                + "Restore it (from a backup) and restart the engine; a restart without it starts afresh"
        case .replaced:
            "the state file \(path) was replaced by another file while the engine runs; nothing is written to it. "
                + "Restart the engine to use the new file, or put the old one back"
        case .emptied:
            "the state file \(path) was emptied (0 bytes) while the engine runs; nothing is written to it. "
                + "Restore it from a backup and restart the engine; a restart without it starts afresh"
        }
    }
}

/// A file's device and inode, to tell the file a store opened from another at the same path.
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
    }
}
