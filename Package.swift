// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "wadial-rules",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wadial-rules", targets: ["wadial-rules"]),
        .library(name: "YAML", targets: ["YAML"]),
        .library(name: "WadialAPI", targets: ["WadialAPI"]),
        .library(name: "Rules", targets: ["Rules"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The only target that sees libyaml. Debian: libyaml-dev.
        .systemLibrary(
            name: "CYaml",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(name: "YAML", dependencies: ["CYaml"]),
        .target(name: "WadialAPI"),
        .target(name: "Rules", dependencies: ["YAML", "WadialAPI"]),
        .executableTarget(
            name: "wadial-rules",
            dependencies: [
                "Rules",
                "YAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "WadialAPITests", dependencies: ["WadialAPI"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "YAML", "WadialAPI"]),
        // Runs the built executable as a user would; depending on it makes `swift test` build it.
        .testTarget(name: "CLITests", dependencies: ["wadial-rules"]),
    ],
    swiftLanguageModes: [.v6]
)
