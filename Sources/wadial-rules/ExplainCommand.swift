import ArgumentParser
import Engine
import Foundation
import Logging
import Rules
import State
import WadialAPI
import WadialModels

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why each rule would or would not act on one pending join request."
    )

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "The group JID.")
    var group: String

    @Option(help: "The requester's JID, as the request list shows it.")
    var jid: String

    @Option(help: "The state file to read (never written).")
    var state = SQLiteStateStore.defaultPath

    @Option(help: "Explain as of this time (ISO 8601); default: now.")
    var at: String?

    @Option(help: "Session id (default: the rules' first session or $WADIAL_SESSION_ID).")
    var session: String?

    func run() async throws {
        guard let groupJID = GroupJID(group) else { throw ValidationError("\"\(group)\" is not a group JID") }
        guard let requester = UserJID(jid) else { throw ValidationError("\"\(jid)\" is not a requester JID") }
        let date = try at.map(parseTime) ?? Date()
        let rules = try ruleOptions.load()
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        guard let session = session ?? rules.sessions?.first ?? configuration.sessionID else {
            printError("error: no session: pass --session or set WADIAL_SESSION_ID")
            throw ExitCode(2)
        }
        var logger = Logger(label: "wadial")
        logger.logLevel = .error
        let client = HTTPWadialClient(configuration: configuration, logger: logger)
        let store = try existingState(at: state)
        let engine = Engine(rules: rules, options: .init(sessions: [session], dryRun: true), client: client, store: store, clock: ContinuousClock(), logger: logger)
        let result = await Result(catching: { try await engine.explain(session: session, group: groupJID, requester: requester, at: date) })
        try await client.shutdown()
        switch result {
        case .success(let explanation): print(explanation.text)
        case .failure(let error):
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}

func parseTime(_ text: String) throws -> Date {
    guard let date = ISO8601DateFormatter().date(from: text) else {
        throw ValidationError("expected an ISO 8601 time like 2026-03-02T09:00:00Z; found \"\(text)\"")
    }
    return date
}
