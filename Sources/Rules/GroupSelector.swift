import Foundation
public import WadialModels

/// A named selector from `groups:`: listed JIDs and/or groups whose subject matches a pattern,
/// of the kinds it names (ordinary groups when it names none), less the excluded ones.
public struct GroupSelector: Sendable, Hashable {
    public var name: String
    public var jids: [GroupJID]
    /// A regular expression (ICU syntax, as NSRegularExpression) searched in the subject.
    public var subjectPattern: String?
    public var exclude: [GroupJID]
    /// `kind:`; nil when not written, which means ordinary groups only: a community's parent and
    /// announcement group are touched only by a selector that names their kind.
    public var kinds: Set<GroupKind>?
    public var location: SourceLocation?

    public init(name: String, jids: [GroupJID] = [], subjectPattern: String? = nil, exclude: [GroupJID] = [], kinds: Set<GroupKind>? = nil, location: SourceLocation? = nil) {
        self.name = name
        self.jids = jids
        self.subjectPattern = subjectPattern
        self.exclude = exclude
        self.kinds = kinds
        self.location = location
    }

    /// The kinds this selector can match.
    public var selectedKinds: Set<GroupKind> { kinds ?? [.group] }

    public func matches(jid: GroupJID, subject: String?, kind: GroupKind) -> Bool {
        guard selectedKinds.contains(kind), !exclude.contains(jid) else { return false }
        if jids.contains(jid) { return true }
        // A selector of kinds only (`kind: community`) takes every group of those kinds.
        if jids.isEmpty && subjectPattern == nil { return true }
        guard let subjectPattern, let subject else { return false }
        return SubjectPattern.matches(subjectPattern, subject)
    }
}

/// `groups:` of a rule or policy: every group, or a list of selector names and literal JIDs.
public enum GroupTargets: Sendable, Hashable {
    case all
    case some([GroupReference])
}

public enum GroupReference: Sendable, Hashable, CustomStringConvertible {
    case named(String)
    case jid(GroupJID)

    public var description: String {
        switch self {
        case .named(let name): name
        case .jid(let jid): jid.rawValue
        }
    }
}

/// Regular expressions on group subjects, compiled once per pattern.
public enum SubjectPattern {
    private static let cache = PatternCache()

    /// Nil when `pattern` compiles; otherwise why not.
    /// A pattern that compiles is kept compiled for matching, so that a rule set naming one
    /// pattern many times compiles it once (ICU's compile costs about 80,000 instructions).
    public static func validate(_ pattern: String) -> String? {
        // Most subject patterns are words with anchors (`^Support `): valid in ICU's syntax as
        // written, so they are compiled when first matched, not while rules load.
        if isPlainText(pattern) { return nil }
        return cache.expression(pattern) == nil ? "\"\(pattern)\" is not a valid regular expression" : nil
    }

    /// Printable ASCII without a regular-expression metacharacter other than the anchors `^`
    /// and `$`: a pattern that always compiles.
    static func isPlainText(_ pattern: String) -> Bool {
        pattern.utf8.allSatisfy { byte in
            byte >= 0x20 && byte < 0x7F && !"\\.|?*+()[]{}".utf8.contains(byte)
        }
    }

    /// The most of a subject a pattern reads (WhatsApp's own limit is 100 characters; the API's
    /// answer is not trusted to keep it).
    public static let maximumSubjectLength = 1_024
    /// How long one match may run; a pattern that backtracks longer than this on a subject
    /// (`(a+)+$` on a hostile subject) does not match it: fail closed.
    public static let matchTimeLimit: Duration = .milliseconds(20)

    /// How many (pattern, subject) answers are kept: the subjects of an account change rarely,
    /// so each tick after the first asks again what the last one found. Past this, the answers
    /// are dropped and found again.
    static let maximumAnswers = 200_000
    /// How many compiled patterns are kept (past this, they are compiled again as needed).
    static let maximumCompiled = 20_000

    public static func matches(_ pattern: String, _ subject: String) -> Bool {
        // A subject past the length read is searched every time rather than kept.
        guard subject.utf8.count <= maximumSubjectLength else { return search(pattern, subject) }
        if let known = cache.answer(pattern, subject) { return known }
        let found = search(pattern, subject)
        cache.remember(pattern, subject, found)
        return found
    }

    private static func search(_ pattern: String, _ subject: String) -> Bool {
        guard let expression = cache.expression(pattern) else { return false }
        let text = subject.count > maximumSubjectLength ? String(subject.prefix(maximumSubjectLength)) : subject
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        let deadline = ContinuousClock.now.advanced(by: matchTimeLimit)
        var found = false
        expression.enumerateMatches(in: text, options: [.reportProgress], range: range) { match, _, stop in
            if match != nil {
                found = true
                stop.pointee = true
            } else if ContinuousClock.now > deadline {
                stop.pointee = true
            }
        }
        return found
    }

    private final class PatternCache: @unchecked Sendable {
        // Guarded by `lock`; NSRegularExpression is immutable once built.
        private var compiled: [String: NSRegularExpression] = [:]
        private var answers: [String: [String: Bool]] = [:]
        private var answerCount = 0
        private let lock = NSLock()

        func answer(_ pattern: String, _ subject: String) -> Bool? {
            lock.lock()
            defer { lock.unlock() }
            return answers[pattern]?[subject]
        }

        func remember(_ pattern: String, _ subject: String, _ found: Bool) {
            lock.lock()
            defer { lock.unlock() }
            if answerCount >= SubjectPattern.maximumAnswers {
                answers = [:]
                answerCount = 0
            }
            if answers[pattern, default: [:]].updateValue(found, forKey: subject) == nil { answerCount += 1 }
        }

        func expression(_ pattern: String) -> NSRegularExpression? {
            lock.lock()
            defer { lock.unlock() }
            if let hit = compiled[pattern] { return hit }
            guard let expression = try? NSRegularExpression(pattern: pattern) else { return nil }
            // Patterns come from rule files, but reloads over months may bring new ones: bounded.
            if compiled.count >= SubjectPattern.maximumCompiled { compiled = [:] }
            compiled[pattern] = expression
            return expression
        }
    }
}
