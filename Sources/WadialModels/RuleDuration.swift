/// Duration syntax of the rule language: `45s`, `10m`, `6h`, `7d`, combined in that order (`1h30m`).
public enum RuleDuration {
    public static let units: [(Character, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// The longest duration: 100 years. Every duration from outside (rules, rule tests, world
    /// files) is at most this, so that no arithmetic on it can overflow.
    public static let maximumSeconds: Int64 = 100 * 365 * 86_400

    /// Why text is not a duration.
    public enum Problem: Error, Sendable, Hashable {
        /// Not of the form `45s`, `10m`, `6h`, `7d`, `1h30m`.
        case syntax
        /// Longer than `maximumSeconds`.
        case tooLong
    }

    /// The seconds in `text`, or what is wrong with it. Never overflows, however many digits.
    public static func read(_ text: String) -> Result<Int64, Problem> {
        var total: Int64 = 0
        var number: Int64?
        var nextUnit = 0
        var tooLong = false
        guard text.utf8.count <= 64 else { return .failure(text.utf8.allSatisfy { $0 < 0x80 } ? .tooLong : .syntax) }
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let value = number ?? 0
                // Past the maximum the exact value no longer matters; only the syntax does.
                if value > maximumSeconds { tooLong = true } else { number = value * 10 + Int64(digit) }
            } else {
                guard let value = number,
                      let index = units[nextUnit...].firstIndex(where: { $0.0 == character })
                else { return .failure(.syntax) }
                if value > maximumSeconds / units[index].1 { tooLong = true } else { total += value * units[index].1 }
                if total > maximumSeconds { tooLong = true }
                number = nil
                nextUnit = index + 1
            }
        }
        guard number == nil, nextUnit > 0 else { return .failure(.syntax) }
        return tooLong ? .failure(.tooLong) : .success(total)
    }

    /// Seconds in `text`, or nil when it is not a duration or longer than 100 years.
    public static func seconds(_ text: String) -> Int64? {
        try? read(text).get()
    }

    public static func parse(_ text: String) -> Duration? {
        seconds(text).map { .seconds($0) }
    }

    /// The shortest spelling of `duration` in this syntax (`90m` prints as `1h30m`).
    public static func format(_ duration: Duration) -> String {
        var rest = duration.components.seconds
        if rest == 0 { return "0s" }
        var text = ""
        for (unit, size) in units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
