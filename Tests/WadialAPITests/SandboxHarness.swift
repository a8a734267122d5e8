import Foundation
import Logging
import Sandbox
import ServiceLifecycle
import SandboxTesting
import Testing
import WadialAPI
import WadialModels

enum Implementation: String, CaseIterable, CustomTestStringConvertible {
    case http, inMemory
    var testDescription: String { rawValue }
}

let support = GroupJID("120363000000000001@g.us")!
let regional = GroupJID("120363000000000002@g.us")!
let session = "s1"

let us = UserJID("15551234567@s.whatsapp.net")!
let uk = UserJID("447700900123@s.whatsapp.net")!
let lidWithPhone = UserJID("123456789012345@lid")!
let lidWithoutPhone = UserJID("987654321098765@lid")!
let lidEchoingItself = UserJID("111222333444555@lid")!

/// A small world with every kind of requester.
func demoWorld(now: Date = Date(timeIntervalSince1970: 1_790_000_000), clock: (@Sendable () -> Date)? = nil) -> SandboxWorld {
    let admin = UserJID("15550000001@s.whatsapp.net")!
    return SandboxWorld(
        sessions: [.init(id: session), .init(id: "offline", connected: false)],
        groups: [
            .init(jid: support, subject: "Support", description: "Help desk", members: [Participant(jid: admin, role: .superadmin)], unlistedMembers: 119,
                  requests: [
                    .init(jid: us, requestedAt: now.addingTimeInterval(-3600)),
                    .init(jid: uk, requestedAt: now.addingTimeInterval(-60)),
                    .init(jid: lidWithPhone, phoneField: "+49 151 23456789", requestedAt: now),
                    .init(jid: lidWithoutPhone, requestedAt: now),
                    .init(jid: lidEchoingItself, phoneField: "111222333444555", requestedAt: now),
                  ]),
            .init(jid: regional, subject: "Region North", unlistedMembers: 40),
        ],
        clock: clock ?? { now })
}


/// Runs `body` with a client of the given implementation over `world`.
func withClient<T: Sendable>(_ implementation: Implementation, world: SandboxWorld, _ body: @Sendable (any WadialClient) async throws -> T) async throws -> T {
    switch implementation {
    case .http: try await withSandboxServer(world: world) { client, _ in try await body(client) }
    case .inMemory: try await body(SandboxClient(world: world))
    }
}
