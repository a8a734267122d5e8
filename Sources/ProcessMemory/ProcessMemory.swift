internal import CProcessMemory
public import Foundation

/// The allocator settings of a long-running engine process.
///
/// glibc gives every thread that contends for the heap an arena of its own, up to eight per core,
/// and keeps what is freed in each. A tick decodes the whole group list (megabytes for thousands
/// of groups) on whichever thread the task hops to, so over many ticks every arena grows to hold
/// a tick's peak, and resident memory climbs while live memory does not (measured in
/// Benchmarks/README.md, "5. Memory": +34 MB over 90 ticks on 10,000 groups, flat with two
/// arenas). `run` caps the arenas and hands free memory back after each round of ticks.
public enum ProcessMemory {
    /// The arena cap `run` applies, unless `MALLOC_ARENA_MAX` is set (glibc reads that itself).
    public static let arenaLimit = 2

    /// Caps malloc arenas at `arenaLimit` unless the environment already chose; true when a cap
    /// is in force (false on C libraries without one). Call early: arenas created before stay.
    @discardableResult
    public static func limitArenas(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if let chosen = environment["MALLOC_ARENA_MAX"], Int(chosen) != nil { return true }
        return wadial_limit_malloc_arenas(Int32(arenaLimit)) == 1
    }

    /// Returns the heap's free memory to the system; true when some was returned.
    @discardableResult
    public static func releaseFree() -> Bool {
        wadial_release_free_memory() == 1
    }
}
