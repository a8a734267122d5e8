// Public: the conformances below make types of other modules arguments.
public import ArgumentParser
import Foundation
import Logging
import WadialAPI
import WadialModels

/// `wadial-rules api ...`: one call of any operation, JSON out, for operators.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Make one call of the WADial API and print the answer as JSON.",
        discussion: "Reads WADIAL_BASE_URL, WADIAL_API_KEY (or WADIAL_API_KEY_FILE) and WADIAL_SESSION_ID.",
        subcommands: [Session.self, Groups.self, Profile.self, Participants.self, Settings.self, Invite.self, Requests.self]
    )
}

struct APIOptions: ParsableArguments {
    @Option(help: "Session id (default: $WADIAL_SESSION_ID).")
    var session: String?

    @Option(help: "Seconds to wait for each attempt (1 to 300).")
    var timeout = 15

    func validate() throws {
        guard (1...300).contains(timeout) else { throw ValidationError("--timeout takes 1 to 300 seconds; found \(timeout)") }
    }

    /// Runs `body` with a client from the environment; prints its result, or the error on stderr.
    func call(_ body: @Sendable (HTTPWadialClient, String) async throws -> any Encodable) async throws {
        var configuration = try WadialConfiguration.fromEnvironmentOrExit()
        configuration.requestTimeout = .seconds(timeout)
        guard let session = try sessions(session.map { [$0] } ?? [], rules: nil, configuration: configuration).first else { return }
        var logger = Logger(label: "wadial.api")
        logger.logLevel = .error
        let value = try await withAPIClient(configuration, logger: logger) { client in
            do {
                return try await body(client, session)
            } catch {
                throw fail("\(error)")
            }
        }
        try printJSON(value)
        // A per-item answer (participants, decisions) with an item that did not succeed is a
        // failure of the command, though the call itself was answered.
        if let items = (value as? JSONValue)?.array {
            let refused = items.filter { item in item["status"]?.int.map { !(200..<300).contains($0) } ?? false }
            if !refused.isEmpty {
                throw fail("\(refused.count) of \(items.count) item\(items.count == 1 ? "" : "s") not done: " + refused.map { item in
                    "\(item["jid"]?.string ?? "?") \(item["status"]?.int.map(String.init) ?? "?")" + (item["error"]?.string.map { " \($0)" } ?? "")
                }.joined(separator: ", "))
            }
        }
    }
}

/// What an operation that answers nothing prints.
struct Done: Encodable {
    let ok = true
}

func groupJID(_ text: String) throws -> GroupJID {
    guard let jid = GroupJID(text) else { throw ValidationError("\"\(text)\" is not a group JID (digits@g.us)") }
    return jid
}

func member(_ text: String) throws -> UserJID {
    if let jid = UserJID(text) { return jid }
    if let number = PhoneNumber(text) { return UserJID(phoneNumber: number) }
    throw ValidationError("\"\(text)\" is neither a phone number nor a user JID")
}

extension APICommand {
    struct Session: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Session status, or reconnect it.")
        enum Action: String, ExpressibleByArgument, CaseIterable { case status, connect }
        @Argument(help: "status or connect") var action: Action
        @OptionGroup var options: APIOptions

        func run() async throws {
            let action = action
            try await options.call { client, session in
                switch action {
                case .status: return try await client.sessionStatus(session: session)
                case .connect:
                    try await client.reconnect(session: session)
                    return Done()
                }
            }
        }
    }

    struct Groups: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List groups, read one, create one, or leave groups.",
            discussion: "groups list | groups get JID | groups create --subject S [--description D] MEMBER... | groups leave JID...")
        enum Action: String, ExpressibleByArgument, CaseIterable { case list, get, create, leave }
        @Argument(help: "list, get, create or leave") var action: Action
        @Argument(help: "Group JIDs (get, leave) or members (create).") var targets: [String] = []
        @Option(help: "Subject of a new group.") var subject: String?
        @Option(help: "Description of a new group.") var description: String?
        @OptionGroup var options: APIOptions

        func validate() throws {
            switch action {
            case .get where targets.count != 1: throw ValidationError("groups get takes one group JID")
            case .leave where targets.isEmpty: throw ValidationError("groups leave takes group JIDs")
            case .create where subject == nil: throw ValidationError("groups create needs --subject")
            default: break
            }
        }

        func run() async throws {
            let (action, targets, subject, description) = (action, targets, subject, description)
            let groups = action == .get || action == .leave ? try targets.map(groupJID) : []
            let members = action == .create ? try targets.map(member) : []
            try await options.call { client, session in
                switch action {
                case .list: return try await client.listGroups(session: session)
                case .get: return try await client.group(session: session, groups[0])
                case .create: return try await client.createGroup(session: session, subject: subject ?? "", participants: members, description: description)
                case .leave:
                    try await client.leave(session: session, groups)
                    return Done()
                }
            }
        }
    }

    struct Profile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a group's subject and/or description: profile set JID --subject S --description D")
        enum Action: String, ExpressibleByArgument, CaseIterable { case set }
        @Argument var action: Action
        @Argument(help: "Group JID.") var group: String
        @Option var subject: String?
        @Option var description: String?
        @OptionGroup var options: APIOptions

        func validate() throws {
            if subject == nil && description == nil { throw ValidationError("give --subject, --description or both") }
        }

        func run() async throws {
            let (jid, subject, description) = (try groupJID(group), subject, description)
            try await options.call { client, session in
                try await client.updateProfile(session: session, jid, subject: subject, description: description)
                return Done()
            }
        }
    }

    struct Participants: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add, remove, promote or demote members: participants add JID MEMBER...")
        @Argument(help: "add, remove, promote or demote") var action: ParticipantOperation
        @Argument(help: "Group JID.") var group: String
        @Argument(help: "Phone numbers or user JIDs.") var members: [String]
        @OptionGroup var options: APIOptions

        func run() async throws {
            let (action, jid, members) = (action, try groupJID(group), try members.map(member))
            try await options.call { client, session in
                try await client.updateParticipants(session: session, jid, action, members)
            }
        }
    }

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change group settings: settings set JID --announcement true ...",
            discussion: "Each option given is one call, in the order listed here.")
        enum Action: String, ExpressibleByArgument, CaseIterable { case set }
        @Argument var action: Action
        @Argument(help: "Group JID.") var group: String
        /// One `--KEY VALUE` option per setting of the table (`--member-add-mode admin_add`).
        @Argument(parsing: .allUnrecognized, help: .init("Settings to change, as --KEY VALUE: " + GroupSetting.all.map { "--\($0.optionName) \($0.valueNames.joined(separator: "|"))" }.joined(separator: ", ")))
        var settingArguments: [String] = []
        @OptionGroup var options: APIOptions

        /// The changes asked for, in table order; usage errors name the option.
        func changes() throws -> [SettingChange] {
            var given: [GroupSetting.ID: SettingValue] = [:]
            // `--locked=true` is `--locked true`.
            var rest = settingArguments.flatMap { argument -> [String] in
                guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return [argument] }
                return [String(argument[..<equals]), String(argument[argument.index(after: equals)...])]
            }[...]
            while let flag = rest.popFirst() {
                guard flag.hasPrefix("--"), let setting = GroupSetting.all.first(where: { "--" + $0.optionName == flag }) else {
                    throw ValidationError("unknown setting option \(flag); expected one of " + GroupSetting.all.map { "--" + $0.optionName }.joined(separator: ", "))
                }
                guard let text = rest.popFirst(), let value = setting.value(ruleText: text) else {
                    throw ValidationError("\(flag) takes one of \(setting.valueNames.joined(separator: ", "))")
                }
                given[setting.id] = value
            }
            return GroupSetting.all.compactMap { setting in given[setting.id].map { SettingChange(setting.id, $0) } }
        }

        func validate() throws {
            if try changes().isEmpty { throw ValidationError("give at least one setting to change") }
        }

        func run() async throws {
            let (jid, changes) = (try groupJID(group), try changes())
            try await options.call { client, session in
                for change in changes {
                    try await client.updateSetting(session: session, jid, change)
                }
                return try await client.group(session: session, jid).settings
            }
        }
    }

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite links: invite code JID | invite revoke JID | invite preview CODE | invite join CODE")
        enum Action: String, ExpressibleByArgument, CaseIterable { case code, revoke, preview, join }
        @Argument(help: "code, revoke, preview or join") var action: Action
        @Argument(help: "A group JID (code, revoke) or an invite code or link (preview, join).") var target: String
        @OptionGroup var options: APIOptions

        func run() async throws {
            let (action, target) = (action, target)
            if action == .code || action == .revoke { _ = try groupJID(target) }
            try await options.call { client, session in
                switch action {
                case .code: return try await client.inviteCode(session: session, try groupJID(target))
                case .revoke: return try await client.revokeInvite(session: session, try groupJID(target))
                case .preview: return try await client.previewInvite(session: session, code: target)
                case .join: return try await client.joinByInvite(session: session, code: target)
                }
            }
        }
    }

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join requests: requests list JID | requests approve|reject|cancel JID REQUESTER...",
            discussion: "Decide with the exact JIDs the list shows.")
        enum Action: String, ExpressibleByArgument, CaseIterable { case list, approve, reject, cancel }
        @Argument(help: "list, approve, reject or cancel") var action: Action
        @Argument(help: "Group JID.") var group: String
        @Argument(help: "Requester JIDs, as listed.") var requesters: [String] = []
        @OptionGroup var options: APIOptions

        func validate() throws {
            if action != .list && requesters.isEmpty { throw ValidationError("\(action.rawValue) takes the requester JIDs to decide") }
        }

        func run() async throws {
            let (action, jid) = (action, try groupJID(group))
            let requesters = try requesters.map { text in
                guard let jid = UserJID(text) else { throw ValidationError("\"\(text)\" is not a requester JID as listed") }
                return jid
            }
            try await options.call { client, session in
                switch action {
                case .list: return try await client.membershipRequests(session: session, jid)
                case .approve: return try await client.decideRequests(session: session, jid, .approve, requesters)
                case .reject: return try await client.decideRequests(session: session, jid, .reject, requesters)
                case .cancel: return try await client.decideRequests(session: session, jid, .cancel, requesters)
                }
            }
        }
    }
}

extension ParticipantOperation: ExpressibleByArgument {}

extension GroupSetting {
    /// `api settings set`'s option for the setting: `member-add-mode`.
    var optionName: String { key.replacingOccurrences(of: "_", with: "-") }
}
