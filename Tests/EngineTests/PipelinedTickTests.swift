import Foundation
import Rules
import Sandbox
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

/// The sandbox's API, with the request read of one group held until a decision of another group
/// has reached the API (or a deadline passes): a tick that reads everything before it writes
/// never lets that decision through in time.
private struct HeldRead: WadialTransport {
    let inner: SandboxClient
    let world: SandboxWorld
    let held: GroupJID
    let seen: Flag

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
        if request.operation == .membershipRequests, request.segments.contains(held.rawValue) {
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline {
                if await world.calls.contains(where: { $0.operation == .decideRequests }) {
                    seen.set()
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        return try await inner.send(request, session: session)
    }
}

struct PipelinedTickTests {
    static let rules = """
        version: 1
        rules:
          - { id: vet, groups: "*", trigger: { membership_requests: {} }, if: { number_prefix: ["+1"] }, then: [approve_requests] }
        """

    @Test func aGroupIsDecidedAsSoonAsItIsReadWhileLaterGroupsAreStillBeingRead() async throws {
        let g3 = GroupJID("120363000000000003@g.us")!
        let groups = [g1, g2, g3].enumerated().map { index, jid in
            SandboxWorld.GroupState(jid: jid, subject: "Group \(index)", requests: [.init(jid: UserJID("1555000000\(index)@s.whatsapp.net")!, requestedAt: t0)])
        }
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: groups, clock: { t0 })
        let seen = HeldRead.Flag()
        let client = HeldRead(inner: SandboxClient(world: world), world: world, held: g3, seen: seen)
        let rules = try RuleLoader(environment: [:]).load([.init(name: "p.yaml", text: Self.rules)])
        let engine = Engine(rules: rules, options: .init(sessions: ["s"]), client: client, store: MemoryStateStore(),
                            clock: ContinuousClock(), now: { t0 }, logger: quiet)
        let report = await engine.tick(session: "s", at: t0)
        // The first group's approval reached the API while the third group's read was held.
        #expect(seen.isSet)
        #expect(report.execution?.writes == 3)
        #expect(await world.calls.filter { $0.operation == .decideRequests }.count == 3)
        #expect(report.plan.map(summary)?.count == 3)
    }

    @Test func busyGroupsAreReadFirst() async {
        let order = ReadOrder()
        let groups = [g1, g2, GroupJID("120363000000000003@g.us")!].map { Group(jid: $0) }
        #expect(await order.order(groups, session: "s").map(\.jid) == groups.map(\.jid))
        await order.sawRequests(groups[2].jid, session: "s")
        #expect(await order.order(groups, session: "s").map(\.jid) == [groups[2].jid, g1, g2])
        await order.sawRequests(g2, session: "s")
        #expect(await order.order(groups, session: "s").map(\.jid) == [g2, groups[2].jid, g1])
        // Quiet for longer than `busyTicks`: back in listing order.
        for _ in 0..<ReadOrder.busyTicks { _ = await order.order(groups, session: "s") }
        #expect(await order.order(groups, session: "s").map(\.jid) == groups.map(\.jid))
    }
}
