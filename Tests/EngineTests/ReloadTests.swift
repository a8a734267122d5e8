import Foundation
import Rules
import Sandbox
import State
import Testing
import WadialAPI
import WadialModels
@testable import Engine

struct ReloadTests {
    @Test func aValidChangeReplacesTheRulesAndAnInvalidOneKeepsTheOld() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("r.yaml")
        func write(_ rules: String) throws { try ("version: 1\nrules:\n" + rules).write(to: file, atomically: true, encoding: .utf8) }
        try write("  - { id: a, groups: \"*\", trigger: { membership_requests: {} }, then: [approve_requests] }\n")
        let load: RuleReloader<ContinuousClock>.Load = { () throws(RuleLoadError) -> RuleSet in try RuleLoader(environment: [:]).load(paths: [folder.path]) }
        let world = SandboxWorld(sessions: [.init(id: "s")], groups: [])
        let engine = Engine(rules: try load(), options: .init(sessions: ["s"]), client: SandboxClient(world: world), store: MemoryStateStore(),
                            clock: ContinuousClock(), logger: quiet)
        let reloader = RuleReloader(engine: engine, load: load, watch: [folder.path], logger: quiet)

        let before = RuleReloader<ContinuousClock>.fingerprint([folder.path])
        try write("  - { id: a, groups: \"*\", trigger: { membership_requests: {} }, then: [reject_requests] }\n  - { id: b, groups: \"*\", trigger: { schedule: { every: 1h } }, then: [rotate_invite] }\n")
        #expect(RuleReloader<ContinuousClock>.fingerprint([folder.path]) != before)
        #expect(await reloader.reload())
        #expect(await engine.rules.rules.map(\.id) == ["a", "b"])
        #expect(await engine.rules.rules.first?.actions == [.rejectRequests])

        try write("  - { id: a, groups: \"*\", trigger: { membership_requests: {} }, then: [aprove_requests] }\n")
        #expect(await reloader.reload() == false)
        #expect(await engine.rules.rules.map(\.id) == ["a", "b"])
    }
}
