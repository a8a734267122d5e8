// swift-tools-version: 6.1
// The benchmarks of wadial-rules: a package of its own so that `make test` never builds them.
// Run them with `make bench` from the root (see README.md here).
import Foundation
import PackageDescription

// A path dependency is named after its folder, which is whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

func product(_ name: String) -> Target.Dependency { .product(name: name, package: root) }

func benchmark(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark"), "BenchmarkSupport"] + dependencies,
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Generators of rule files and worlds; the sandbox served in-process; the engine as a process.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                product("Rules"), product("YAML"), product("WadialAPI"), product("WadialModels"), product("Sandbox"), product("Engine"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A synchronous driver of the same work, for valgrind's callgrind (README.md, "Profiling").
        .executableTarget(name: "Profile", dependencies: ["BenchmarkSupport", product("Engine"), product("Rules"), product("YAML")]),
        benchmark("Loading", [product("Rules"), product("YAML")]),
        benchmark("Evaluation", [product("Engine"), product("Rules"), product("State"), product("WadialAPI"), product("WadialModels")]),
        benchmark("APIEfficiency", [product("Sandbox"), product("WadialAPI"), product("WadialModels")]),
        benchmark("ReactionLatency", [product("Sandbox"), product("WadialAPI"), product("WadialModels")]),
        benchmark("Memory", [product("Sandbox"), product("WadialAPI"), product("WadialModels")]),
        benchmark("StateStore", [product("State"), product("PostgresState"), product("WadialModels"), product("TestSupport"),
                                 .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
