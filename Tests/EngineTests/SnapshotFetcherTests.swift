import Foundation
import Rules
import Sandbox
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// The sandbox's API with a group list that leaves out some fields: what a real API may send.
/// Metadata must fill in what rules read.
struct ListingWithout: WadialTransport {
    /// No sizes, no settings, no participants.
    static let sizesSettingsAndParticipants = ["size", "participantCount", "participants", "announce", "restrict", "memberAddMode", "memberLinkMode",
                                               "memberShareGroupHistoryMode", "ephemeralDurationSeconds"]

    let keys: [String]
    let inner: SandboxClient

    init(_ keys: [String], inner: SandboxClient) {
        self.keys = keys
        self.inner = inner
    }

    func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
        let payload = try await inner.send(request, session: session)
        guard request.operation == .listGroups, let items = payload.array else { return payload }
        return .array(items.map { item in
            guard case .object(var object) = item else { return item }
            for key in keys { object[key] = nil }
            return .object(object)
        })
    }
}

struct SnapshotFetcherTests {
    @Test func memberCountFiresOnAListingWithoutSizesWithOneMetadataReadPerGroupAndTick() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support", unlistedMembers: 4)], clock: { t0 })
        let client = ListingWithout(ListingWithout.sizesSettingsAndParticipants, inner: SandboxClient(world: world))
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: """
            version: 1
            rules:
              - { id: full, groups: "*", trigger: { member_count: { above: 10 } }, then: [{ set_announcement: true }] }
            """)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: client, store: MemoryStateStore(), clock: ContinuousClock(), now: { t0 }, logger: quiet)
        _ = await engine.tick(session: "s", at: t0)            // baseline: 4 members, armed
        await world.apply(.memberDelta(g1, 20))
        let report = await engine.tick(session: "s", at: t0.addingTimeInterval(60))
        #expect(report.plan?.actions.map(\.name) == ["set_announcement"])
        #expect(await world.group(g1)?.settings[.announcement] == true)
        #expect(await world.count(of: .group) == 2)   // one metadata read per tick
    }

    @Test func noMetadataIsReadWhenNoRuleReadsWhatIsMissing() async throws {
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [.init(jid: g1, subject: "Support")], clock: { t0 })
        let rules = try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: """
            version: 1
            rules:
              - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
            """)])
        _ = try await SnapshotFetcher(client: ListingWithout(ListingWithout.sizesSettingsAndParticipants, inner: SandboxClient(world: world)), logger: quiet).snapshot(session: "s", rules: rules, now: t0)
        #expect(await world.count(of: .group) == 0)
    }
}
