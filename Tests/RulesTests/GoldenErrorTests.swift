import Foundation
import Testing
@testable import Rules

/// Each invalid fixture's complete `check` output, pinned. Regenerate with UPDATE_GOLDEN=1 and
/// read the diff before committing it.
struct GoldenErrorTests {
    static let cases: [String] = {
        let folder = Fixtures.root.appendingPathComponent("invalid")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { name in
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder)
            return name.hasSuffix(".yaml") || isFolder.boolValue
        }.sorted()
    }()

    @Test func thereIsAFixtureForEachValidationClass() {
        #expect(Self.cases.count >= 20)
    }

    @Test(arguments: cases)
    func golden(_ name: String) throws {
        let loader = RuleLoader(environment: Fixtures.environment)
        var output = ""
        let sources = try Fixtures.sources(name, in: "invalid")
        do {
            let set = try loader.load(sources)
            Issue.record("\(name) loaded without errors: \(set.rules.map(\.id))")
            return
        } catch {
            output = error.description + "\n" + error.summary + "\n"
        }
        // Numbers files are named by absolute path; keep the golden text independent of the checkout.
        output = output.replacingOccurrences(of: Fixtures.root.path + "/", with: "")
        let expectedURL = Fixtures.root.appendingPathComponent("invalid").appendingPathComponent(
            (name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name) + ".expected")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try output.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(output == expected, "\(name): output differs from \(expectedURL.lastPathComponent)")
    }
}
