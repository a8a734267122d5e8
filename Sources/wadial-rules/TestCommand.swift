import ArgumentParser
import Foundation
import RuleTesting

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule tests: rule files, a starting world and time, steps, and the actions expected after each."
    )

    @Argument(help: "Test files, or folders of *.yaml test files.")
    var paths: [String]

    func run() async throws {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        var passed = 0
        var failed = 0
        for file in files {
            let outcome = await RuleTestRunner().run(path: file)
            print(outcome.report)
            if outcome.passed { passed += 1 } else { failed += 1 }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 || files.isEmpty { throw Exit.failure }
    }
}
