// swift-tools-version:6.0
import PackageDescription

// As Hummingbird's Package.swift: `any` spelled out, imports visible only where written, and
// every import internal unless a file says `public import` (so no dependency leaks by accident).
let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "wadial-rules",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wadial-rules", targets: ["wadial-rules"]),
        .library(name: "YAML", targets: ["YAML"]),
        .library(name: "WadialModels", targets: ["WadialModels"]),
        .library(name: "WadialAPI", targets: ["WadialAPI"]),
        .library(name: "Rules", targets: ["Rules"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "State", targets: ["State"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "PostgresState", targets: ["PostgresState"]),
        // Seeded randomness and the private PostgreSQL cluster, for the tests and the benchmarks.
        .library(name: "TestSupport", targets: ["TestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The only target that sees libyaml. Debian: libyaml-dev.
        .systemLibrary(
            name: "CYaml",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(name: "YAML", dependencies: ["CYaml"], swiftSettings: upcoming),
        // The vocabulary every module shares, with no dependencies: identities, phone numbers,
        // the table of group settings, setting changes, request decisions, durations.
        .target(name: "WadialModels", swiftSettings: upcoming),
        // glibc's malloc arena cap and trim, for the long-running engine (no-ops elsewhere).
        .target(name: "CProcessMemory"),
        .target(name: "ProcessMemory", dependencies: ["CProcessMemory"], swiftSettings: upcoming),
        .target(
            name: "WadialAPI",
            dependencies: [
                "WadialModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        // What the engine must not forget: SQLite through GRDB (system libsqlite3), or memory.
        .target(
            name: "State",
            dependencies: ["WadialModels", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: upcoming
        ),
        // The state store on a shared PostgreSQL database (more than one machine), through
        // postgres-nio's pooled client. Its own target, so that State stays free of NIO.
        .target(
            name: "PostgresState",
            dependencies: [
                "State", "WadialModels",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        // The evaluator (pure), executor, scheduler and engine service.
        .target(
            name: "Engine",
            dependencies: [
                "Rules", "WadialAPI", "WadialModels", "State",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        // `wadial-rules test`: rule tests against an in-memory world.
        .target(
            name: "RuleTesting",
            dependencies: ["Engine", "Rules", "Sandbox", "State", "WadialAPI", "WadialModels", "YAML", .product(name: "Logging", package: "swift-log")],
            swiftSettings: upcoming
        ),
        // The simulated WADial API: an in-memory world and an HTTP server that serves it.
        .target(
            name: "Sandbox",
            dependencies: [
                "WadialAPI",
                "WadialModels",
                "YAML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        // The rule language: YAML in, typed rules out. No networking: only the models and YAML.
        .target(name: "Rules", dependencies: ["YAML", "WadialModels"], swiftSettings: upcoming),
        .executableTarget(
            name: "wadial-rules",
            dependencies: [
                "Rules",
                "YAML",
                "WadialAPI",
                "Sandbox",
                "State",
                "PostgresState",
                "Engine",
                "RuleTesting",
                "WadialModels",
                "ProcessMemory",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        // Helpers shared by test targets (seeded randomness, a manual clock).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // One sandbox server harness for the test targets that talk HTTP to it.
        .target(
            name: "SandboxTesting",
            dependencies: [
                "Sandbox", "WadialAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/SandboxTesting"
        ),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "TestSupport"]),
        .testTarget(
            name: "WadialAPITests",
            dependencies: [
                "WadialAPI",
                "WadialModels",
                "Sandbox",
                "SandboxTesting",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The fixtures are read from their paths, not built.
        .testTarget(name: "RulesTests", dependencies: ["Rules", "YAML", "WadialModels", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ProcessMemoryTests", dependencies: ["ProcessMemory"]),
        .testTarget(name: "WadialModelsTests", dependencies: ["WadialModels", "TestSupport"]),
        .testTarget(name: "StateTests", dependencies: ["State", "PostgresState", "WadialModels", "TestSupport"]),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "Rules", "RuleTesting", "State", "WadialAPI", "WadialModels", "Sandbox", "SandboxTesting", "TestSupport",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Runs the built executable as a user would; depending on it makes `swift test` build it.
        .testTarget(name: "CLITests", dependencies: ["wadial-rules", "TestSupport", "SandboxTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
