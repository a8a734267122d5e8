import Foundation
public import Logging
public import Rules
public import ServiceLifecycle
import UnixSignals

/// Re-reads the rules on SIGHUP and, with `watch`, when a rule file changes. The new rule set
/// replaces the running one only if it validates; otherwise the old one keeps running and the
/// errors are logged. State is keyed by rule id, so rules whose id stays keep their state.
public struct RuleReloader<C: Clock>: Service where C.Duration == Duration {
    public typealias Load = @Sendable () throws(RuleLoadError) -> RuleSet

    private let engine: Engine<C>
    private let load: Load
    private let watch: [String]?
    private let logger: Logger

    /// `watch`: the paths (files or folders) whose changes trigger a reload; nil: SIGHUP only.
    public init(engine: Engine<C>, load: @escaping Load, watch: [String]?, logger: Logger) {
        self.engine = engine
        self.load = load
        self.watch = watch
        self.logger = logger
    }

    /// Loads and, if valid, installs the rules. True when the new set runs.
    @discardableResult
    public func reload() async -> Bool {
        do {
            let rules = try load()
            await engine.replaceRules(rules)
            logger.notice("rules reloaded", metadata: ["rules": "\(rules.rules.count)", "policies": "\(rules.policies.count)", "files": "\(rules.files.count)"])
            return true
        } catch {
            logger.error("rules not reloaded: the new rules do not validate; the old rules keep running",
                         metadata: ["errors": "\(error.problems.count)", "details": "\(error.description)"])
            return false
        }
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                let signals = await UnixSignalsSequence(trapping: .sighup)
                for await _ in signals.cancelOnGracefulShutdown() {
                    await reload()
                }
            }
            if let watch {
                tasks.addTask {
                    var seen = Self.fingerprint(watch)
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
                        let now = Self.fingerprint(watch)
                        if now != seen {
                            seen = now
                            await reload()
                        }
                    }
                }
            }
        }
    }

    /// Names, sizes and modification times of the rule files under `paths` (and numbers files
    /// beside them): what `--watch` compares.
    static func fingerprint(_ paths: [String]) -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            let files = isFolder.boolValue ? ((try? manager.contentsOfDirectory(atPath: path)) ?? []).map { (path as NSString).appendingPathComponent($0) } : [path]
            for file in files {
                guard let attributes = try? manager.attributesOfItem(atPath: file), attributes[.type] as? FileAttributeType != .typeDirectory else { continue }
                result[file] = "\(attributes[.size] ?? 0)|\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
            }
        }
        return result
    }
}
