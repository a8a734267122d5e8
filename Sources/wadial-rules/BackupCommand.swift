import ArgumentParser
import Foundation
import Logging
import State
import WadialModels

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite state file to FILE, consistently, while engines may be running.",
        discussion: """
            The copy is one complete SQLite file (its write-ahead log folded in), made in one read \
            transaction: engines go on meanwhile. FILE must not exist. Restore by stopping the engine \
            and putting the copy in place of the state file (remove its -wal and -shm files). A \
            PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump --table='wadial_*').
            """
    )

    @Argument(help: "The file to write (must not exist).")
    var file: String

    @Option(help: "The state file (default: $WADIAL_STATE, else .wadial-rules/state.sqlite).")
    var state: String?

    func run() async throws {
        let location = try StateLocation.resolve(state)
        guard case .file(let path) = location else {
            throw fail("\(location) is a PostgreSQL database: back it up with pg_dump --table='wadial_*' (and restore with psql)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw fail("no state file at \(TextEscaping.visible(path)) (the engine has not run here, or pass --state)")
        }
        do {
            try await SQLiteStateStore(path: path).backup(to: file)
        } catch {
            throw fail("could not back up \(TextEscaping.visible(path)) to \(TextEscaping.visible(file)): \(error)")
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? Int) ?? 0
        print("backed up \(TextEscaping.visible(path)) to \(TextEscaping.visible(file)) (\(size / 1024) KiB)")
    }
}
