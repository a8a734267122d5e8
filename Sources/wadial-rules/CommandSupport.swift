import ArgumentParser
import Foundation
import Logging
import Rules
import State
import WadialAPI
import WadialModels

// What the commands share: exit codes, error printing, the API client's lifetime, the rule and
// state options, sessions, tables, times and JSON output.

/// The exit codes every command uses.
enum Exit {
    /// Something failed: a rule file, a call, a test.
    static let failure = ExitCode(1)
    /// The configuration is incomplete: no API key, no session.
    static let configuration = ExitCode(2)
}

/// Lines on standard error, each escaped for a terminal (an API's message, a flag's value: text
/// from outside never moves the cursor or forges a line).
func printError(_ text: String) {
    // What was printed before comes first, as it was written.
    fflush(nil)  // every output stream
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { TextEscaping.visible(String($0)) }
    StandardStreams.err(lines.joined(separator: "\n") + "\n")
}

/// `error: MESSAGE` on standard error, then `status`.
func fail(_ message: String, _ status: ExitCode = Exit.failure) -> ExitCode {
    printError("error: \(message)")
    return status
}

extension WadialConfiguration {
    /// The configuration from the environment; without a key, the reason on stderr and exit 2.
    static func fromEnvironmentOrExit() throws -> WadialConfiguration {
        do {
            return try fromEnvironment()
        } catch {
            throw fail("\(error)", Exit.configuration)
        }
    }
}

/// Runs `body` with an API client that is shut down afterwards whatever happens: on success, on
/// an error, and on an exit thrown from inside (a client released without a shutdown traps).
func withAPIClient<T>(_ configuration: WadialConfiguration, logger: Logger, _ body: (HTTPWadialClient) async throws -> T) async throws -> T {
    let client = HTTPWadialClient(configuration: configuration, logger: logger)
    let outcome = await Result { try await body(client) }
    // The body's error (and its exit code) wins over a failing shutdown.
    if case .failure = outcome { try? await client.shutdown() } else { try await client.shutdown() }
    return try outcome.get()
}

/// The sessions to work on: `--session` if given, else the rules' `sessions:`, else
/// `WADIAL_SESSION_ID`; none at all is exit 2.
func sessions(_ flags: [String], rules: RuleSet?, configuration: WadialConfiguration) throws -> [String] {
    if !flags.isEmpty { return flags }
    let sessions = rules?.sessions ?? configuration.sessionID.map { [$0] } ?? []
    guard !sessions.isEmpty else {
        let ways = rules == nil ? "pass --session or set WADIAL_SESSION_ID" : "name sessions in the rules, pass --session or set WADIAL_SESSION_ID"
        throw fail("no session: \(ways)", Exit.configuration)
    }
    return sessions
}

struct RuleOptions: ParsableArguments {
    @Option(help: "Rule file or folder.")
    var rules = "rules"

    /// The rule set, or every problem printed and exit 1.
    func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RuleSet {
        do {
            return try RuleLoader(environment: environment).load(paths: [rules])
        } catch {
            printError(error.description)
            printError(error.summary)
            throw Exit.failure
        }
    }
}

/// What `plan` and `explain` evaluate against: the state file they read (never written), the
/// time, and the session.
struct EvaluationOptions: ParsableArguments {
    @Option(help: "The state store to read: a SQLite file (missing: start from nothing) or postgres://USER@HOST:PORT/DB (default: $WADIAL_STATE, else .wadial-rules/state.sqlite).")
    var state: String?

    @Option(help: "Evaluate as of this time: an instant (2026-03-02T09:00:00Z), a local time in the rules' timezone (2026-03-02T09:00) or a date; default: now.")
    var at: String?

    @Option(help: "Session id (default: the rules' sessions or $WADIAL_SESSION_ID).")
    var session: String?

    /// `--at`, local times read in `zone` (the rules' timezone); now when not given.
    func date(in zone: TimeZone) throws -> Date {
        guard let at else { return Date() }
        guard let date = TimeText.instant(at, in: zone) else {
            throw ValidationError("--at takes \(TimeText.instantHelp); found \(TextEscaping.quoted(at))")
        }
        return date
    }

    func sessions(rules: RuleSet, configuration: WadialConfiguration) throws -> [String] {
        try wadial_rules.sessions(session.map { [$0] } ?? [], rules: rules, configuration: configuration)
    }

    /// The state to read: the file, or nothing when there is none yet.
    /// The state to read: the store, or nothing when there is no state file yet (`plan` and
    /// `explain` never create one).
    func store() async throws -> any StateStore {
        var logger = Logger(label: "wadial")
        logger.logLevel = .warning
        return try await StateLocation.resolve(state).open(logger: logger, reading: true)
    }
}

/// `value` as pretty-printed JSON, the way `api` and `audit --format json` print.
func printJSON(_ value: any Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Columns padded to their widest cell; the last column is not padded. Every cell is escaped for
/// a terminal (`TextEscaping.visible`): values from outside (subjects, details) cannot break a
/// row or move the cursor.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = ([header] + rows).map { $0.map(TextEscaping.visible) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body, so that cleanup runs either way.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
