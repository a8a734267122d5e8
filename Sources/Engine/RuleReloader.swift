import Foundation
public import Logging
public import Rules
public import ServiceLifecycle
import UnixSignals

/// Re-reads the rules on SIGHUP and, with `watch`, when a rule file changes. The new rule set
/// replaces the running one only if it validates; otherwise the old one keeps running and the
/// errors are logged. State is keyed by rule id, so rules whose id stays keep their state.
///
/// SIGHUP and the watcher feed one queue with one consumer: reloads never overlap, and each reads
/// the files afresh, so the newest read is the one that runs. The watcher reloads a change only
/// once the files have stayed the same for a settle time (two equal snapshots a second apart):
/// a file an editor is still writing is not loaded half-written.
public struct RuleReloader<C: Clock>: Service where C.Duration == Duration {
    public typealias Load = @Sendable () throws(RuleLoadError) -> RuleSet

    /// How often `--watch` looks at the files; a change is loaded once two looks agree.
    public static var settleInterval: Duration { .seconds(1) }

    private let engine: Engine<C>
    private let load: Load
    private let watch: [String]?
    private let logger: Logger
    /// The watched files as they were when the reloader was made (next to the load of the rules
    /// in force): a change made before the watcher's first look still counts as one.
    private let baseline: [String: String]

    /// `watch`: the paths (files or folders) whose changes trigger a reload; nil: SIGHUP only.
    public init(engine: Engine<C>, load: @escaping Load, watch: [String]?, logger: Logger) {
        self.engine = engine
        self.load = load
        self.watch = watch
        self.logger = logger
        baseline = watch.map(Self.fingerprint) ?? [:]
    }

    /// Loads and, if valid, installs the rules. True when the new set runs.
    @discardableResult
    public func reload(reason: String = "requested") async -> Bool {
        do {
            let rules = try load()
            let old = await engine.rules
            await engine.replaceRules(rules)
            let change = RuleSetChange(from: old, to: rules)
            logger.notice("rules reloaded", metadata: [
                "reason": "\(reason)", "rules": "\(rules.rules.count)", "policies": "\(rules.policies.count)", "files": "\(rules.files.count)",
                "added": "\(change.added.joined(separator: ","))", "removed": "\(change.removed.joined(separator: ","))",
                "changed": "\(change.changed.joined(separator: ","))",
            ])
            return true
        } catch {
            logger.error("rules not reloaded: the new rules do not validate; the old rules keep running",
                         metadata: ["reason": "\(reason)", "errors": "\(error.problems.count)", "details": "\(error.description)"])
            return false
        }
    }

    public func run() async throws {
        // One consumer; a burst of requests while a reload runs collapses into one more reload.
        let (requests, requester) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await reason in requests.cancelOnGracefulShutdown() {
                    await reload(reason: reason)
                }
            }
            tasks.addTask {
                let signals = await UnixSignalsSequence(trapping: .sighup)
                for await _ in signals.cancelOnGracefulShutdown() {
                    requester.yield("SIGHUP")
                }
                requester.finish()
            }
            if let watch {
                tasks.addTask {
                    var settler = ChangeSettler(loaded: baseline)
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.settleInterval) }
                        if settler.observe(Self.fingerprint(watch)) { requester.yield("file change") }
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

/// When a watched change is stable enough to load: a snapshot that differs from what is loaded
/// and equals the snapshot before it. A file still being written changes between snapshots and
/// waits.
struct ChangeSettler {
    typealias Snapshot = [String: String]

    /// The snapshot of the files in force.
    private(set) var loaded: Snapshot
    private var candidate: Snapshot?

    init(loaded: Snapshot) {
        self.loaded = loaded
    }

    /// Takes the snapshot just made; true when it is a settled change to load now.
    mutating func observe(_ snapshot: Snapshot) -> Bool {
        guard snapshot != loaded else {
            candidate = nil
            return false
        }
        guard snapshot == candidate else {
            candidate = snapshot
            return false
        }
        loaded = snapshot
        candidate = nil
        return true
    }
}

/// What a reload changed, by id: rules and policies added, removed, and changed in any way.
struct RuleSetChange: Equatable {
    var added: [String] = []
    var removed: [String] = []
    var changed: [String] = []

    init(from old: RuleSet, to new: RuleSet) {
        var before: [String: AnyHashable] = [:]
        for rule in old.rules { before[rule.id] = AnyHashable(Self.comparable(rule)) }
        for policy in old.policies { before[policy.id] = AnyHashable(Self.comparable(policy)) }
        var after: [String: AnyHashable] = [:]
        for rule in new.rules { after[rule.id] = AnyHashable(Self.comparable(rule)) }
        for policy in new.policies { after[policy.id] = AnyHashable(Self.comparable(policy)) }
        added = after.keys.filter { before[$0] == nil }.sorted()
        removed = before.keys.filter { after[$0] == nil }.sorted()
        changed = after.keys.filter { before[$0] != nil && before[$0] != after[$0] }.sorted()
    }

    /// A rule without where it was written: moving a rule within its file is no change.
    static func comparable(_ rule: Rule) -> Rule {
        var rule = rule
        rule.location = nil
        return rule
    }

    static func comparable(_ policy: Policy) -> Policy {
        var policy = policy
        policy.location = nil
        return policy
    }
}
