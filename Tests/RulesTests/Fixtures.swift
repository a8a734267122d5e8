import Foundation
@testable import Rules

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The environment every fixture is loaded with: nothing from the machine leaks in.
    static let environment = ["KNOWN": "known-value", "WADIAL_SESSION_ID": "demo-session"]

    /// A fixture file or folder as sources named relative to `Fixtures/invalid` or `Fixtures/valid`.
    static func sources(_ relative: String, in folder: String) throws -> [RuleLoader.Source] {
        let base = root.appendingPathComponent(folder)
        let url = base.appendingPathComponent(relative)
        var isFolder: ObjCBool = false
        FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        let files = isFolder.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".yaml") }.sorted().map { relative + "/" + $0 }
            : [relative]
        return try files.map { name in
            let fileURL = base.appendingPathComponent(name)
            return RuleLoader.Source(name: name, text: try String(contentsOf: fileURL, encoding: .utf8), directory: fileURL.deletingLastPathComponent().path)
        }
    }
}
