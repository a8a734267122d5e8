public import WadialModels

/// `if:` and its parts. Number conditions fail closed: when a requester's phone number is not
/// known, each of them is false except `number_unknown: true`.
public indirect enum Condition: Sendable, Hashable {
    case numberPrefix([NumberPrefix])
    case notNumberPrefix([NumberPrefix])
    case numberUnknown(Bool)
    case numbersFile(NumbersFile)
    case memberCount(above: Int?, below: Int?)
    case time(TimeWindow)
    /// Every setting named is known and has the value given.
    case setting(GroupSettings)
    case subject(String)
    case any([Condition])
    case all([Condition])
    case not(Condition)

    public static let names = [
        "number_prefix", "not_number_prefix", "number_unknown", "numbers_file",
        "member_count", "time", "setting", "subject", "any", "all", "not",
    ]

    /// Conditions about the person asking to join, meaningful only under `membership_requests`.
    public static let requesterNames: Set<String> = ["number_prefix", "not_number_prefix", "number_unknown", "numbers_file"]

    /// True when this condition or a part of it is about the requester.
    public var concernsRequester: Bool {
        switch self {
        case .numberPrefix, .notNumberPrefix, .numberUnknown, .numbersFile: true
        case .memberCount, .time, .setting, .subject: false
        case .any(let parts), .all(let parts): parts.contains { $0.concernsRequester }
        case .not(let inner): inner.concernsRequester
        }
    }
}

/// `numbers_file:`: phone numbers listed one a line, `#` starting a comment; read when rules load.
public struct NumbersFile: Sendable, Hashable {
    /// As written in the rule.
    public var path: String
    /// The file's path resolved against the rule file's folder.
    public var resolvedPath: String
    public var numbers: Set<PhoneNumber>

    public init(path: String, resolvedPath: String, numbers: Set<PhoneNumber>) {
        self.path = path
        self.resolvedPath = resolvedPath
        self.numbers = numbers
    }
}
