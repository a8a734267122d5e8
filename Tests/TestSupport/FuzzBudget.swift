import Foundation

/// The seed and size of a fuzz run: bounded in `make test`, longer on request.
///
/// `WADIAL_FUZZ_SEED` replays a run (the seed is printed by every suite); `WADIAL_FUZZ_SCALE`
/// multiplies the number of cases (for example 50 for a soak).
public struct FuzzBudget: Sendable {
    public let seed: UInt64
    public let cases: Int
    public let suite: String

    public init(_ suite: String, cases: Int, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.suite = suite
        seed = environment["WADIAL_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        let scale = environment["WADIAL_FUZZ_SCALE"].flatMap(Int.init).map { min(max($0, 1), 10_000) } ?? 1
        self.cases = cases * scale
        print("\(suite): \(self.cases) cases, seed \(seed) (replay with WADIAL_FUZZ_SEED=\(seed))")
    }

    public var generator: SeededGenerator { SeededGenerator(seed: seed) }

    /// For failure messages.
    public var replay: String { "seed \(seed): replay with WADIAL_FUZZ_SEED=\(seed) swift test --filter \(suite)" }
}

/// Random JSON of the shapes an adversarial API sends: huge and non-finite-looking numbers, deep
/// nesting, wrong types, odd JIDs, control characters; and byte-level damage.
public enum HostileJSON {
    public static let oddStrings = [
        "15551234567@s.whatsapp.net", "447700900123@s.whatsapp.net", "123456789012345@lid", "15551230009@bot",
        "120363000000000001@g.us", "120363000000000002@newsletter", "@g.us", "1@g.us", "", "inf", "nan", "1e22", "-1",
        "Evil\", \"admin\": true, \"x\": \"", "\u{1b}[2J", "line\nbreak", String(repeating: "9", count: 400), "ADMIN_ADD", "adminAdd", "7d",
    ]
    public static let oddNumbers: [Double] = [0, -1, 1, 1e300, -1e300, 1e22, 9_223_372_036_854_775_807, 1.5, 604_800, 1_790_000_000, 1_790_000_000_000]
    public static let keys = [
        "id", "jid", "groupJid", "subject", "name", "size", "participantCount", "participants", "announce", "restrict",
        "memberAddMode", "ephemeralDuration", "settings", "request_time", "requestedAt", "phone_number", "pn", "status", "code",
        "link", "connected", "connectionState", "data", "error", "message", "requests", "groups",
    ]

    public static func value(depth: Int = 0, using generator: inout SeededGenerator) -> Any {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 8), using: &generator) {
        case 0: return NSNull()
        case 1: return Bool.random(using: &generator)
        case 2: return oddNumbers.randomElement(using: &generator) ?? 0
        case 3, 4: return oddStrings.randomElement(using: &generator) ?? ""
        case 5: return (0..<Int.random(in: 0...4, using: &generator)).map { _ in value(depth: depth + 1, using: &generator) }
        default:
            var object: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                object[keys.randomElement(using: &generator) ?? "id"] = value(depth: depth + 1, using: &generator)
            }
            return object
        }
    }

    /// A whole answer body: usually JSON (an envelope, a list, an object), sometimes damaged bytes,
    /// deep nesting or not JSON at all.
    public static func body(using generator: inout SeededGenerator) -> Data {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: return Data((0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        case 1:
            let depth = Int.random(in: 200...5_000, using: &generator)
            return Data((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
        case 2: return Data("<html>".utf8)
        default:
            let payload: Any = Bool.random(using: &generator)
                ? (0..<Int.random(in: 0...8, using: &generator)).map { _ in value(depth: 1, using: &generator) }
                : value(using: &generator)
            let wrapped: Any = Bool.random(using: &generator) ? ["data": payload] : payload
            var data = (try? JSONSerialization.data(withJSONObject: wrapped, options: [.fragmentsAllowed])) ?? Data("null".utf8)
            if Int.random(in: 0..<6, using: &generator) == 0, !data.isEmpty {
                data[Int.random(in: 0..<data.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            return data
        }
    }
}

/// Damages text the way a fuzz suite does: 1 to `edits` edits, each removing a character,
/// inserting one of `tokens`, or copying a character from elsewhere.
public enum TextMutation {
    public static func mutate(_ text: String, tokens: [String], edits: Int = 5, using generator: inout SeededGenerator) -> String {
        var characters = Array(text)
        for _ in 0..<Int.random(in: 1...max(edits, 1), using: &generator) where !characters.isEmpty {
            let index = Int.random(in: 0..<characters.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: characters.remove(at: index)
            case 1: characters.insert(contentsOf: tokens.randomElement(using: &generator) ?? "", at: index)
            default: characters[index] = characters[Int.random(in: 0..<characters.count, using: &generator)]
            }
        }
        return String(characters)
    }
}
