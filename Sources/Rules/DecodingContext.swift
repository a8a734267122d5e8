import Foundation
import WadialModels
import YAML

/// Reads one file's `NodeRef` tree into model values, collecting every problem instead of stopping
/// at the first. Each reader returns nil where the input is wrong, after recording why.
final class DecodingContext {
    let source: SourceText
    /// The folder of the file, for paths written in it (`numbers_file:`).
    let directory: String
    private(set) var problems: [RuleProblem] = []
    /// The problems of each numbers file named here (by resolved path), apart: files (and parts
    /// of large files) are decoded side by side, each reporting what the files it names hold,
    /// and a numbers file's problems are kept from the first file and part only, as if they had
    /// been decoded one after the other.
    private(set) var numbersFileProblems: [(key: String, problems: [RuleProblem])] = []
    private var numbersFile: String?
    /// Values whose `${VAR}` could not be substituted: already reported, so nothing more is said of them.
    private var unsubstituted: Set<Mark> = []

    /// What this context works out once (not shared: a context is used by one thread).
    let memo: LoadMemo

    /// The numbers files of the whole load, read once whichever file or part asks first.
    let shelf: NumbersFileShelf

    init(source: SourceText, directory: String, memo: LoadMemo = LoadMemo(), shelf: NumbersFileShelf = NumbersFileShelf()) {
        self.source = source
        self.directory = directory
        self.memo = memo
        self.shelf = shelf
    }

    var file: String { source.name }

    func report(_ mark: Mark?, _ path: KeyPath, _ message: String, suggestion: String? = nil) {
        if let mark, unsubstituted.contains(mark) { return }
        add(RuleProblem(
            file: source.name, mark: mark, path: path.description, message: message,
            suggestion: suggestion, sourceLine: mark.flatMap { source.line($0.line) }))
    }

    private func add(_ problem: RuleProblem) {
        if numbersFile != nil, let last = numbersFileProblems.indices.last {
            numbersFileProblems[last].problems.append(problem)
        } else {
            problems.append(problem)
        }
    }

    /// A context for a part of this file decoded on another thread: the same source and the
    /// same values whose substitution failed, problems and numbers files of its own.
    func part() -> DecodingContext {
        let part = DecodingContext(source: source, directory: directory, shelf: shelf)
        part.unsubstituted = unsubstituted
        return part
    }

    /// Takes what a part found, after what is here, in order.
    func absorb(_ part: DecodingContext) {
        problems += part.problems
        numbersFileProblems += part.numbersFileProblems
    }

    /// Reports the problems of the numbers files read here that `reported` does not hold yet,
    /// and adds them to it.
    func reportNumbersFiles(notIn reported: inout Set<String>) {
        for (key, found) in numbersFileProblems where reported.insert(key).inserted {
            problems += found
        }
        numbersFileProblems = []
    }

    /// While a numbers file's findings are reported: problems go to its own list (`numbersFileProblems`).
    func readingNumbersFile(_ key: String, _ body: () -> Void) {
        numbersFile = key
        numbersFileProblems.append((key, []))
        defer { numbersFile = nil }
        body()
    }

    func reportUnsubstituted(_ mark: Mark, _ path: KeyPath, _ message: String, suggestion: String?) {
        report(mark, path, message, suggestion: suggestion)
        unsubstituted.insert(mark)
    }

    /// A problem in another file that this one refers to (a numbers file).
    func report(in other: SourceText, _ mark: Mark, _ path: KeyPath, _ message: String, suggestion: String? = nil) {
        add(RuleProblem(
            file: other.name, mark: mark, path: path.description, message: message,
            suggestion: suggestion, sourceLine: other.line(mark.line)))
    }

    func expected(_ what: String, found node: NodeRef, _ path: KeyPath, suggestion: String? = nil) {
        report(node.mark, path, "expected \(what); found \(node.kindDescription)", suggestion: suggestion)
    }

    func location(_ mark: Mark) -> SourceLocation {
        SourceLocation(file: source.name, mark: mark)
    }

    // MARK: - Structure

    struct Field {
        let key: String
        let keyMark: Mark
        let value: NodeRef
    }

    /// A mapping's known fields in source order, looked up by key. Mappings of the rule language
    /// have a handful of keys: a list searched in place beats hashing every key into a dictionary.
    struct Fields {
        fileprivate var list: [Field] = []

        /// Lengths first: most keys differ in length, and comparing two lengths costs nothing.
        subscript(key: String) -> Field? { list.first { $0.key.utf8.count == key.utf8.count && $0.key == key } }

        var count: Int { list.count }
        var isEmpty: Bool { list.isEmpty }
        var first: (key: String, value: Field)? { list.first.map { ($0.key, $0) } }
        var keys: [String] { list.map(\.key) }
    }

    /// The pairs of `node` by key, after checking that it is a mapping, that every key is one of
    /// `known` (suggesting the closest for a typo) and that every key of `required` is present.
    /// With `nullIsEmpty`, nothing written (`membership_requests:`) is the same as `{}`.
    func fields(_ node: NodeRef, _ path: KeyPath, what: String, known: [String], required: [String] = [], nullIsEmpty: Bool = false) -> Fields? {
        guard let mapping = node.mapping else {
            if nullIsEmpty, node.value == .null {
                for key in required { report(node.mark, path, "\(what) is missing the required key \"\(key)\"") }
                return Fields()
            }
            expected("\(what) (a mapping)", found: node, path)
            return nil
        }
        var fields = Fields()
        fields.list.reserveCapacity(mapping.pairs.count)
        var suggested: Set<String> = []
        for pair in mapping.pairs {
            // Known keys are found by their bytes: no string is made for a key that is one.
            if let index = known.firstIndex(where: pair.key.hasText) {
                fields.list.append(Field(key: known[index], keyMark: pair.key.mark, value: pair.value))
                continue
            }
            guard let key = pair.key.scalar?.string else {
                report(pair.key.mark, path, "a key must be a plain word; found \(pair.key.kindDescription)")
                continue
            }
            guard known.contains(key) else {
                let closest = Suggestion.closest(to: key, among: known)
                if let closest { suggested.insert(closest) }
                let suggestion = closest.map { "did you mean \"\($0)\"?" }
                report(pair.key.mark, path.key(key), "unknown key \"\(key)\" in \(what); expected one of \(known.joined(separator: ", "))", suggestion: suggestion)
                continue
            }
            fields.list.append(Field(key: key, keyMark: pair.key.mark, value: pair.value))
        }
        // A misspelt required key is reported once, as the misspelling.
        for key in required where fields[key] == nil && !suggested.contains(key) {
            report(mapping.mark, path, "\(what) is missing the required key \"\(key)\"")
        }
        return fields
    }

    /// The items of a list; a single scalar counts as a one-item list when `allowSingle`.
    func list(_ node: NodeRef, _ path: KeyPath, what: String, allowSingle: Bool = false, allowEmpty: Bool = false) -> [(NodeRef, KeyPath)]? {
        if let sequence = node.sequence {
            guard allowEmpty || !sequence.items.isEmpty else {
                report(node.mark, path, "expected \(what); found an empty list")
                return nil
            }
            return sequence.items.enumerated().map { ($1, path.index($0)) }
        }
        if allowSingle, let value = node.value, value != .null {
            return [(node, path)]
        }
        expected(allowSingle ? "\(what) (a value or a list)" : "\(what) (a list)", found: node, path)
        return nil
    }

    // MARK: - Scalars

    /// The text of a scalar other than null.
    func string(_ node: NodeRef, _ path: KeyPath, what: String = "a string") -> String? {
        guard let value = node.value, value != .null else {
            expected(what, found: node, path)
            return nil
        }
        if case .string(let text) = value { return text }
        return node.text
    }

    func nonEmptyString(_ node: NodeRef, _ path: KeyPath, what: String = "a non-empty string") -> String? {
        guard let text = string(node, path, what: what) else { return nil }
        // An ASCII character other than a space, tab or control settles it without the
        // Character-by-Character trim.
        let visible = text.utf8.contains { $0 > UInt8(ascii: " ") && $0 < 0x7F }
        guard visible || !text.trimmingBlanks.isEmpty else {
            report(node.mark, path, "expected \(what); found an empty string")
            return nil
        }
        return text
    }

    static let yaml11Booleans: [String: Bool] = [
        "yes": true, "no": false, "on": true, "off": false, "y": true, "n": false,
    ]

    /// `true` or `false` only (YAML 1.2): `yes`, `no`, `on`, `off` are strings and rejected here.
    func bool(_ node: NodeRef, _ path: KeyPath) -> Bool? {
        if case .bool(let value)? = node.value { return value }
        if let scalar = node.scalar, scalar.style == .plain, let meant = Self.yaml11Booleans[scalar.string.lowercased()] {
            report(
                node.mark, path,
                "expected true or false; found \"\(scalar.string)\", which YAML 1.2 reads as a string, not a boolean",
                suggestion: "write \(meant)")
            return nil
        }
        expected("true or false", found: node, path)
        return nil
    }

    func int(_ node: NodeRef, _ path: KeyPath, in range: ClosedRange<Int>) -> Int? {
        guard case .int(let value)? = node.value else {
            expected("a whole number", found: node, path)
            return nil
        }
        guard range.contains(value) else {
            let bounds = range.upperBound == .max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            report(node.mark, path, "expected a whole number \(bounds); found \(value)")
            return nil
        }
        return value
    }

    /// A duration (`45s`, `10m`, `6h`, `7d`, `1h30m`) of at least `minimum`.
    func duration(_ node: NodeRef, _ path: KeyPath, minimum: Duration = .zero) -> Duration? {
        let what = "a duration like 45s, 10m, 6h, 7d or 1h30m"
        guard let scalar = node.scalar, scalar.value != .null else {
            expected(what, found: node, path)
            return nil
        }
        if case .failure(.tooLong) = RuleDuration.read(scalar.string) {
            report(node.mark, path, "\"\(scalar.string.truncated)\" is longer than the longest duration, 100 years (36500d)")
            return nil
        }
        guard let duration = RuleDuration.parse(scalar.string) else {
            var suggestion: String?
            if case .int(let number) = scalar.value { suggestion = "add a unit: \(number)s, \(number)m, \(number)h or \(number)d" }
            report(node.mark, path, "expected \(what); found \"\(scalar.string.truncated)\"", suggestion: suggestion)
            return nil
        }
        guard duration >= minimum else {
            report(node.mark, path, "expected a duration of at least \(RuleDuration.format(minimum)); found \(scalar.string)")
            return nil
        }
        return duration
    }

    /// One of the raw values of `E`, with a suggestion for a near miss.
    func choice<E: RawRepresentable & CaseIterable>(_ node: NodeRef, _ path: KeyPath, _ type: E.Type) -> E? where E.RawValue == String {
        choice(node, path, among: E.allCases.map(\.rawValue)).flatMap(E.init(rawValue:))
    }

    /// One of `names`, or an error naming them (with the closest as a suggestion).
    func choice(_ node: NodeRef, _ path: KeyPath, among names: [String]) -> String? {
        if let scalar = node.scalar, names.contains(scalar.string), scalar.value != .null { return scalar.string }
        // Only a wrong value pays for the message.
        let what = "one of \(names.joined(separator: ", "))"
        guard let scalar = node.scalar, scalar.value != .null else {
            expected(what, found: node, path)
            return nil
        }
        var suggestion = Suggestion.closest(to: scalar.string, among: names).map { "did you mean \"\($0)\"?" }
        if case .bool(let flag) = scalar.value, names.contains("off"), !flag { suggestion = "write off" }
        report(node.mark, path, "expected \(what); found \(node.kindDescription)", suggestion: suggestion)
        return nil
    }

    /// A value of `setting` as the rule language writes it (`GroupSetting.Values`).
    func settingValue(_ node: NodeRef, _ path: KeyPath, _ setting: GroupSetting) -> SettingValue? {
        switch setting.values {
        case .boolean: bool(node, path).map(SettingValue.bool)
        case .choice, .duration: choice(node, path, among: setting.valueNames).flatMap(setting.value(ruleText:))
        }
    }

    /// An IANA time zone name such as `Europe/Berlin`.
    func timezone(_ node: NodeRef, _ path: KeyPath) -> String? {
        guard let name = nonEmptyString(node, path, what: "an IANA time zone name like Europe/Berlin") else { return nil }
        // IANA names are short; a long value is refused before the time zone database is asked.
        guard name.utf8.count <= 64 else {
            report(node.mark, path, "\"\(name.truncated)\" is not a time zone: IANA names are at most 64 characters, like Europe/Berlin")
            return nil
        }
        if memo.zones.contains(name) { return name }
        if TimeZone(identifier: name) != nil, name.utf8.contains(UInt8(ascii: "/")) || name == "UTC" || name == "GMT" {
            memo.zones.insert(name)
            return name
        }
        let suggestion = Suggestion.closest(to: name, among: TimeZone.knownTimeZoneIdentifiers + ["UTC"]).map { "did you mean \"\($0)\"?" }
        report(node.mark, path, "unknown time zone \"\(name.truncated)\"; expected an IANA name like Europe/Berlin or UTC", suggestion: suggestion)
        return nil
    }

    func template(_ node: NodeRef, _ path: KeyPath, inviteAvailable: Bool) -> Template? {
        guard let text = string(node, path, what: "a text") else { return nil }
        let template: Template
        do {
            template = try Template(parsing: text)
        } catch {
            report(node.mark, path, error.message, suggestion: error.suggestion)
            return nil
        }
        if !inviteAvailable, let name = template.variablesUsed.first(where: { $0.hasPrefix("invite.") }) {
            report(node.mark, path, "{{\(name)}} is only set by an earlier rotate_invite in the same rule", suggestion: "add `- rotate_invite` before this action")
            return nil
        }
        return template
    }
}

extension String {
    var truncated: String { TextEscaping.truncated(String(self), limit: 60, ellipsis: "...") }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (what Foundation's `.whitespaces` trims).
    var trimmingBlanks: Substring { trimmingWhitespace(keepingNewlines: true) }
}

/// What one context (a file, or a part of one) works out once, however many rules ask: the
/// numbers files it has named, paths as resolved, valid time zones, cron expressions by text.
final class LoadMemo {
    /// Numbers files (by resolved path) whose problems this context has reported already.
    var numbersFilesNamed: Set<String> = []
    /// Paths as written, by folder, resolved once (Foundation's path functions are slow on Linux).
    var resolutions: [String: (resolved: String, key: String)] = [:]
    /// Time zone names found valid.
    var zones: Set<String> = []
    private var crons: [String: Result<CronExpression, CronExpression.ParseError>] = [:]

    func cron(_ text: String) -> Result<CronExpression, CronExpression.ParseError> {
        if let known = crons[text] { return known }
        let parsed = Result { () throws(CronExpression.ParseError) in try CronExpression(parsing: text) }
        crons[text] = parsed
        return parsed
    }
}

/// A numbers file as read: its numbers (nil when it cannot be used) and what is wrong with it,
/// apart from any rule that names it (each naming rule reports with its own path).
struct NumbersFileRead: Sendable {
    enum Finding: Sendable {
        /// Reported at the rule's `numbers_file:` value.
        case unreadable(message: String, suggestion: String)
        /// Reported in the numbers file.
        case badLine(SourceText, Mark, String)
    }

    var numbers: Set<PhoneNumber>?
    var findings: [Finding] = []

    init(_ resolved: String) {
        // Read as rule files are (regular files only, the size bounded while reading), UTF-8 only.
        guard let data = try? SourceFile.bytes(resolved, maximumBytes: 16 << 20).get(), let text = String(data: data, encoding: .utf8) else {
            let why = FileManager.default.fileExists(atPath: resolved) ? "cannot be read as UTF-8 text of at most 16 MiB" : "does not exist"
            findings = [.unreadable(message: "the numbers file \"\(resolved)\" \(why)", suggestion: "the path is relative to the rule file's folder")]
            return
        }
        let source = SourceText(name: resolved, text: text)
        var numbers = Set<PhoneNumber>()
        // About one number per 13 bytes: no rehashing as the set grows.
        numbers.reserveCapacity(data.count / 13)
        // Lines and comments are cut by bytes: "\r\n" is one Character, so a file saved with
        // Windows line ends would be one line to a Character split.
        for (index, lineBytes) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let rawLine = Substring(lineBytes)
            let comment = lineBytes.firstIndex(of: UInt8(ascii: "#")) ?? lineBytes.endIndex
            let entry = rawLine[..<comment].trimmingWhitespace()
            if entry.isEmpty { continue }
            if let number = PhoneNumber(String(entry)) {
                numbers.insert(number)
            } else {
                let column = (rawLine.firstIndex { !$0.isWhitespace }).map { rawLine.distance(from: rawLine.startIndex, to: $0) + 1 } ?? 1
                findings.append(.badLine(
                    source, Mark(line: index + 1, column: column),
                    "\"\(String(entry).truncated)\" is not a phone number (6 to 15 digits, optionally after + or 00)"))
            }
        }
        self.numbers = findings.isEmpty ? numbers : nil
    }
}

/// The numbers files of one load by resolved path, shared by the threads of the load.
final class NumbersFileShelf: @unchecked Sendable {
    // Guarded by `lock`; a read happens under it, so a file is read once even when two parts
    // ask at the same moment.
    private var reads: [String: NumbersFileRead] = [:]
    private let lock = NSLock()

    func read(_ key: String, _ make: () -> NumbersFileRead) -> NumbersFileRead {
        lock.lock()
        defer { lock.unlock() }
        if let known = reads[key] { return known }
        let read = make()
        reads[key] = read
        return read
    }
}
