import Foundation
import Rules
import Sandbox
import State
import ServiceLifecycle
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

    @Test func aChangeIsLoadedOnlyOnceTwoSnapshotsAgree() {
        var settler = ChangeSettler(loaded: ["r.yaml": "100|1"])
        let answers = [
            settler.observe(["r.yaml": "100|1"]),   // nothing changed
            settler.observe(["r.yaml": "60|2"]),    // the editor wrote the first half
            settler.observe(["r.yaml": "140|3"]),   // ...and then the rest: still moving
            settler.observe(["r.yaml": "140|3"]),   // stable over one interval: load it
            settler.observe(["r.yaml": "140|3"]),   // loaded once, not again
        ]
        #expect(answers == [false, false, false, true, false])
        #expect(settler.loaded == ["r.yaml": "140|3"])
    }

    @Test func theReloadNamesWhatItAddedRemovedAndChanged() throws {
        func set(_ text: String) throws -> RuleSet { try RuleLoader(environment: [:]).load([.init(name: "r.yaml", text: "version: 1\n" + text)]) }
        let old = try set("""
            rules:
              - { id: keep, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests] }
              - { id: edit, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests] }
              - { id: drop, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests] }
            """)
        let new = try set("""
            rules:
              - { id: edit, groups: "*", trigger: { membership_requests: {} }, then: [reject_requests] }
              - { id: keep, groups: "*", trigger: { membership_requests: {} }, then: [approve_requests] }
            policies:
              - { id: fresh, groups: "*", ensure: { locked: true } }
            """)
        let change = RuleSetChange(from: old, to: new)
        #expect(change.added == ["fresh"])
        #expect(change.removed == ["drop"])
        #expect(change.changed == ["edit"])
    }

    /// An editor that saves in two steps, the first half valid on its own (it approves +7 and
    /// @lid requesters the finished file excludes): under --watch only the finished file runs.
    @Test func aTwoStepWriteUnderWatchIsLoadedOnlyAsTheFinishedFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("r.yaml")
        let original = "version: 1\nrules:\n  - { id: a, groups: \"*\", trigger: { membership_requests: {} }, then: [approve_requests] }\n"
        let half = "version: 1\nrules:\n  - { id: wide, groups: \"*\", trigger: { membership_requests: {} }, then: [approve_requests] }\n"
        let finished = half + "    # narrowed\n  - { id: narrow, groups: \"*\", trigger: { membership_requests: {} }, if: { number_prefix: [\"+1\"] }, then: [approve_requests] }\n"
        try original.write(to: file, atomically: false, encoding: .utf8)
        let load: RuleReloader<ContinuousClock>.Load = { () throws(RuleLoadError) -> RuleSet in try RuleLoader(environment: [:]).load(paths: [folder.path]) }
        let engine = Engine(rules: try load(), options: .init(sessions: ["s"]), client: SandboxClient(world: SandboxWorld(sessions: [.init(id: "s")], groups: [])),
                            store: MemoryStateStore(), clock: ContinuousClock(), logger: quiet)
        let group = ServiceGroup(configuration: .init(services: [RuleReloader(engine: engine, load: load, watch: [folder.path], logger: quiet)], logger: quiet))
        var seen: [[String]] = []
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(300))
            try half.write(to: file, atomically: false, encoding: .utf8)
            try await Task.sleep(for: .milliseconds(400))
            try finished.write(to: file, atomically: false, encoding: .utf8)
            let limit = ContinuousClock.now.advanced(by: .seconds(20))
            while ContinuousClock.now < limit {
                let ids = await engine.rules.rules.map(\.id)
                if seen.last != ids { seen.append(ids) }
                if ids == ["wide", "narrow"] { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(seen == [["a"], ["wide", "narrow"]])
    }
}
