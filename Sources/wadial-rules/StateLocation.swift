import ArgumentParser
import Foundation
import Logging
import PostgresState
import Rules
import State
import WadialModels

/// Where the state is: `--state` (else `WADIAL_STATE`, else `.wadial-rules/state.sqlite`), a
/// SQLite file path or a `postgres://USER@HOST:PORT/DB` URL.
enum StateLocation: CustomStringConvertible {
    case file(String)
    case postgres(PostgresLocation)

    static func resolve(_ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StateLocation {
        let text = flag ?? environment["WADIAL_STATE"].flatMap { $0.isEmpty ? nil : $0 } ?? SQLiteStateStore.defaultPath
        guard PostgresLocation.isURL(text) else { return .file(text) }
        switch PostgresLocation.parse(text) {
        case .success(let location): return .postgres(location)
        case .failure(let problem): throw fail("--state: \(problem)")
        }
    }

    /// As `run` logs it: the path, or the URL without any password.
    var description: String {
        switch self {
        case .file(let path): TextEscaping.visible(path)
        case .postgres(let location): location.description
        }
    }

    var isDefaultFile: Bool {
        if case .file(let path) = self { path == SQLiteStateStore.defaultPath } else { false }
    }

    /// Opens the store. `reading` (plan, explain, audit): a missing file is no state at all
    /// (memory, or nil when `missingIsError`); nothing is created.
    func open(logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment, reading: Bool = false) async throws -> any StateStore {
        switch self {
        case .file(let path):
            if reading, !FileManager.default.fileExists(atPath: path) { return MemoryStateStore() }
            do {
                let file = try SQLiteStateStore(path: path)
                if file.isNew, !reading {
                    logger.notice("starting on a new state file: nothing is remembered yet", metadata: ["state": "\(TextEscaping.visible(path))"])
                }
                return file
            } catch {
                throw fail("\(error)")
            }
        case .postgres(let location):
            let password: String?
            switch PostgresLocation.password(environment) {
            case .success(let found): password = found
            case .failure(let problem): throw fail("\(problem)")
            }
            do {
                return try await PostgresStateStore.connect(location, password: password, logger: logger)
            } catch {
                throw fail("\(error)")
            }
        }
    }

    /// Whether there is state to read at all (a missing file has none).
    var exists: Bool {
        switch self {
        case .file(let path): FileManager.default.fileExists(atPath: path)
        case .postgres: true
        }
    }
}

/// The store's retention from the rules' `settings.retention`.
extension Settings.Retention {
    var store: Retention {
        Retention(audit: Double(audit.components.seconds), journal: Double(journal.components.seconds), acted: Double(acted.components.seconds))
    }
}
