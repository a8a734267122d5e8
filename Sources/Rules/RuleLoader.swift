public import Foundation
public import YAML
import WadialModels

/// Loads rule files into a validated `RuleSet`, reporting every problem at once.
///
/// A path may be a file or a folder; a folder contributes its `*.yaml` and `*.yml` files (not
/// those of subfolders), in name order. All files together are one rule set.
public struct RuleLoader: Sendable {
    public var environment: [String: String]
    public var limits: YAMLParser.Limits
    /// Files parsed and decoded side by side at most (the cores, unless `WADIAL_LOAD_THREADS`).
    var threads = SideBySide.threads
    /// Rule sets of at least this many bytes are loaded side by side; smaller ones on one thread.
    var sideBySideFrom = 16 << 10
    /// Rules decoded as one part (nil: about two parts per thread, 50 to 500 rules each): a
    /// file is decoded in parts side by side.
    var partSize: Int?

    /// Why `WADIAL_LOAD_THREADS` in `environment` cannot be used (nil when unset, empty or valid): the
    /// commands refuse to start on it rather than load on a number nobody asked for. The value is
    /// quoted as it is; whoever prints the message escapes it for where it goes.
    public static func threadsProblem(_ environment: [String: String]) -> String? {
        guard let text = environment[SideBySide.variable], !text.isEmpty, SideBySide.requested(text) == nil else { return nil }
        return "\(SideBySide.variable) is \"\(TextEscaping.truncated(text))\"; expected a whole number from 1 to 64 (the threads a rule load uses)"
    }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, limits: YAMLParser.Limits = .default) {
        self.environment = environment
        self.limits = limits
    }

    /// One rule file's text, named as it should appear in messages.
    public struct Source: Sendable {
        public var name: String
        public var text: String
        /// The folder that relative paths inside the file (`numbers_file:`) are read from.
        public var directory: String

        public init(name: String, text: String, directory: String? = nil) {
            self.name = name
            self.text = text
            self.directory = directory ?? (name as NSString).deletingLastPathComponent
        }
    }

    /// The rule files a path stands for: the file itself, or a folder's `*.yaml`/`*.yml` files.
    public static func ruleFiles(at path: String) throws(RuleLoadError) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw RuleLoadError(problems: [RuleProblem(file: path, mark: nil, path: "", message: "no such file or folder")])
        }
        guard isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            .filter { file in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
        guard !files.isEmpty else {
            throw RuleLoadError(problems: [RuleProblem(file: path, mark: nil, path: "", message: "no rule files (*.yaml or *.yml) in this folder")])
        }
        return files
    }

    public func load(paths: [String]) throws(RuleLoadError) -> RuleSet {
        // The files in path order, then read; problems keep the order of the paths.
        enum Entry { case file(String), problems([RuleProblem]) }
        var entries: [Entry] = []
        for path in paths {
            do {
                entries += try Self.ruleFiles(at: path).map(Entry.file)
            } catch {
                entries.append(.problems(error.problems))
            }
        }
        // Side by side only for many files (a rule set in ten files): a folder of a few files,
        // the usual, is read on this thread, as small rule sets load (a thread costs more).
        let reads = SideBySide.map(entries.count, threads: entries.count >= 4 ? threads : 1) { index -> Result<Source, RuleProblem>? in
            guard case .file(let file) = entries[index] else { return nil }
            return read(file)
        }
        var sources: [Source] = []
        var problems: [RuleProblem] = []
        for (entry, read) in zip(entries, reads) {
            switch (entry, read) {
            case (_, .success(let source)?): sources.append(source)
            case (_, .failure(let problem)?): problems.append(problem)
            case (.problems(let found), nil): problems += found
            case (.file, nil): break
            }
        }
        let result = Result { () throws(RuleLoadError) -> RuleSet in try load(sources) }
        switch result {
        case .success(let set) where problems.isEmpty:
            return set
        case .success:
            throw RuleLoadError(problems: problems)
        case .failure(let error):
            throw RuleLoadError(problems: Self.sorted(problems + error.problems))
        }
    }

    /// A rule file's text: a regular file within the size limit, UTF-8 (or UTF-16 with a byte
    /// order mark), as `SourceFile.read` reads world files and rule tests.
    private func read(_ file: String) -> Result<Source, RuleProblem> {
        switch SourceFile.read(file, maximumBytes: limits.maxBytes) {
        case .success(let text): .success(Source(name: file, text: text))
        case .failure(let problem): .failure(RuleProblem(file: file, mark: problem.mark, path: "", message: problem.description))
        }
    }

    public func load(_ sources: [Source]) throws(RuleLoadError) -> RuleSet {
        var problems: [RuleProblem] = []
        var parser = YAMLParser(limits: limits)
        // Threads only pay for a large rule set: a small one (the usual) loads on this thread.
        let threads = sources.reduce(0) { $0 + $1.text.utf8.count } >= sideBySideFrom ? threads : 1
        // With a file per core already, a second thread per file would only wait for a core.
        if sources.count >= threads { parser.pipelineFrom = .max }
        let substitution = EnvironmentSubstitution(environment: environment)
        // Files are parsed and decoded side by side (SideBySide); each has its own context and
        // memo, and everything is merged in file order, so the result is the same as one by one.
        let shelf = NumbersFileShelf()
        let outcomes = SideBySide.map(sources.count, threads: threads) { index -> Result<ParsedFile, YAMLError> in
            let source = sources[index]
            let text = SourceText(name: source.name, text: source.text)
            let context = DecodingContext(source: text, directory: source.directory, shelf: shelf)
            do throws(YAMLError) {
                let document = try parser.document(text)
                document.withRoot { root in if let root { substitution.apply(root, .root, in: document, context) } }
                return .success(ParsedFile(source: source, document: document, context: context))
            } catch {
                return .failure(error)
            }
        }
        var parsed: [ParsedFile] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let file): parsed.append(file)
            case .failure(let error): problems.append(RuleProblem(error))
            }
        }

        // Settings first: their timezone is the default of every file.
        var settings: (Settings, SourceLocation)?
        for file in parsed {
            let context = file.context
            guard let root = file.root, let (fileSettings, mark) = RuleFileDecoder(context: context).decodeSettings(root) else { continue }
            if let (_, first) = settings {
                context.report(mark, .root.key("settings"), "settings may appear in one file only; they are already set at \(first)",
                               suggestion: "merge the two settings blocks into \(first.file)")
            } else {
                settings = (fileSettings, context.location(mark))
            }
        }
        let timezone = settings?.0.timezone ?? "UTC"

        var set = RuleSet(settings: settings?.0 ?? Settings())
        // Each file's top level, then its rules and policies in parts of `partSize`, all side by
        // side; each part has a context of its own and is merged back into its file in order.
        let headers = SideBySide.map(parsed.count, threads: threads) { index -> RuleFile in
            let (header, items) = RuleFileDecoder(context: parsed[index].context).header(parsed[index].root)
            parsed[index].items = items
            return header
        }
        var parts: [(file: Int, rules: Range<Int>, policies: Range<Int>, context: DecodingContext)] = []
        let ruleCount = parsed.reduce(0) { $0 + $1.items.rules.count }
        let partSize = partSize ?? min(max(ruleCount / (2 * threads), 50), 500)
        for (index, file) in parsed.enumerated() {
            let items = file.items
            for start in stride(from: 0, to: max(items.rules.count, 1), by: partSize) {
                let rules = start..<min(start + partSize, items.rules.count)
                let last = start + partSize >= items.rules.count
                parts.append((index, rules, last ? 0..<items.policies.count : 0..<0, file.context.part()))
            }
        }
        let decodedParts = SideBySide.map(parts.count, threads: threads) { index -> RuleFile in
            let part = parts[index]
            let items = parsed[part.file].items
            var file = RuleFile()
            RuleFileDecoder(context: part.context).decode(
                items.rules[part.rules], items.policies[part.policies], defaultTimezone: timezone, into: &file)
            return file
        }
        // The documents are done with (the nodes of `items` read them: not before this).
        for file in parsed { file.dropDocument() }
        var files: [(RuleFile, DecodingContext)] = []
        var partsOf = [[Int]](repeating: [], count: parsed.count)
        for (index, part) in parts.enumerated() { partsOf[part.file].append(index) }
        set.rules.reserveCapacity(ruleCount)
        for (index, parsedFile) in parsed.enumerated() {
            var file = headers[index]
            // Reserved: appending part by part would copy (and retain) the marks again as they grow.
            file.idMarks.reserveCapacity(partsOf[index].reduce(file.idMarks.count) { $0 + decodedParts[$1].idMarks.count })
            file.groupNameUses.reserveCapacity(partsOf[index].reduce(file.groupNameUses.count) { $0 + decodedParts[$1].groupNameUses.count })
            for part in partsOf[index] {
                // Rules and policies go straight into the set, in file and part order.
                set.rules += decodedParts[part].rules
                set.policies += decodedParts[part].policies
                file.idMarks += decodedParts[part].idMarks
                file.groupNameUses += decodedParts[part].groupNameUses
                parsedFile.context.absorb(parts[part].context)
            }
            files.append((file, parsedFile.context))
            set.files.append(parsedFile.source.name)
        }
        // A numbers file's problems once, from the first file (and part) that names it.
        var numbersFilesReported: Set<String> = []
        for (_, context) in files { context.reportNumbersFiles(notIn: &numbersFilesReported) }
        crossCheck(files)
        for (file, context) in files {
            problems += context.problems
            if let sessions = file.sessions {
                set.sessions = (set.sessions ?? []) + sessions.filter { !(set.sessions ?? []).contains($0) }
            }
            set.groupSelectors += file.groupSelectors
        }
        guard problems.isEmpty else {
            throw RuleLoadError(problems: Self.sorted(problems))
        }
        return set
    }

    /// Checks across files: unique ids and group names, and group names that are defined.
    /// Problems go to the context of the file they are in.
    private func crossCheck(_ files: [(RuleFile, DecodingContext)]) {
        var ids: [String: SourceLocation] = [:]
        ids.reserveCapacity(files.reduce(0) { $0 + $1.0.idMarks.count })
        var groupNames: [String: SourceLocation] = [:]
        for (file, context) in files {
            for (name, mark) in file.groupNameMarks.sorted(by: { $0.value < $1.value }) {
                if let first = groupNames[name] {
                    context.report(mark, .root.key("groups").key(name), "the group name \"\(name)\" is already defined at \(first)")
                } else {
                    groupNames[name] = context.location(mark)
                }
            }
            for (id, mark, path) in file.idMarks {
                // One lookup for a new id (the usual case): the first place is put back for a repeat.
                if let first = ids.updateValue(context.location(mark), forKey: id) {
                    ids[id] = first
                    context.report(mark, path, "the id \"\(id)\" is already used at \(first); ids are unique across all rule files, rules and policies")
                }
            }
        }
        let known = Array(groupNames.keys).sorted()
        for (file, context) in files {
            for (name, mark, path) in file.groupNameUses where groupNames[name] == nil {
                let defined = known.isEmpty ? "no groups are defined under `groups:`" : "defined: \(known.joined(separator: ", "))"
                context.report(mark, path, "unknown group \"\(name.truncated)\"; \(defined)",
                               suggestion: Suggestion.closest(to: name, among: known).map { "did you mean \"\($0)\"?" })
            }
        }
    }

    /// By file, then position; problems at one position keep the order they were found in.
    static func sorted(_ problems: [RuleProblem]) -> [RuleProblem] {
        problems.enumerated().sorted { a, b in
            if a.element.file != b.element.file { return a.element.file < b.element.file }
            let markA = a.element.mark ?? Mark(line: 0, column: 0)
            let markB = b.element.mark ?? Mark(line: 0, column: 0)
            return markA != markB ? markA < markB : a.offset < b.offset
        }.map(\.element)
    }
}

/// One file between parsing and decoding: shared by the phases of a load, each of which touches
/// a file on one thread at a time. It keeps the document alive while the nodes read from it
/// (`root`, `items`) are used.
private final class ParsedFile: @unchecked Sendable {
    let source: RuleLoader.Source
    private var document: Document?
    let context: DecodingContext
    var items = RuleFileDecoder.Items()

    init(source: RuleLoader.Source, document: Document, context: DecodingContext) {
        self.source = source
        self.document = document
        self.context = context
    }

    /// Valid while this file holds its document (until `dropDocument`).
    var root: NodeRef? { document?.unretainedRoot }

    func dropDocument() {
        items = RuleFileDecoder.Items()
        document = nil
    }
}
