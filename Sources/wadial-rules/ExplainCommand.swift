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

    @OptionGroup var evaluation: EvaluationOptions

    func run() async throws {
        guard let groupJID = GroupJID(group) else { throw ValidationError("\"\(group)\" is not a group JID") }
        guard let requester = UserJID(jid) else { throw ValidationError("\"\(jid)\" is not a requester JID") }
        let rules = try ruleOptions.load()
        let date = try evaluation.date(in: LocalTimeText.zone(rules.settings.timezone))
        let configuration = try WadialConfiguration.fromEnvironmentOrExit()
        guard let session = try evaluation.sessions(rules: rules, configuration: configuration).first else { return }
        var logger = Logger(label: "wadial")
        logger.logLevel = .error
        let store = try await evaluation.store()
        let explanation = try await withAPIClient(configuration, logger: logger) { client in
            let engine = Engine(rules: rules, options: .init(sessions: [session], dryRun: true), client: client, store: store, clock: ContinuousClock(), logger: logger)
            do {
                return try await engine.explain(session: session, group: groupJID, requester: requester, at: date)
            } catch {
                throw fail("\(error)")
            }
        }
        print(explanation.text)
    }
}
