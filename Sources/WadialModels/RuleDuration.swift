/// Duration syntax of the rule language: `45s`, `10m`, `6h`, `7d`, combined in that order (`1h30m`).
public enum RuleDuration {
    public static let units: [(Character, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Seconds in `text`, or nil when it is not a duration. At most 100 years.
    public static func seconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        var nextUnit = 0
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (product, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                number = product + Int64(digit)
            } else {
                guard let value = number,
                      let index = units[nextUnit...].firstIndex(where: { $0.0 == character })
                else { return nil }
                let (product, overflow) = value.multipliedReportingOverflow(by: units[index].1)
                guard !overflow else { return nil }
                total += product
                number = nil
                nextUnit = index + 1
            }
        }
        guard number == nil, nextUnit > 0, total <= 100 * 365 * 86_400 else { return nil }
        return total
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
