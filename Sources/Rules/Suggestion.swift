/// "Did you mean" candidates by edit distance.
enum Suggestion {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    /// Words longer than this get no suggestion: nobody mistypes a 4 MB value for a key, and the
    /// distance table grows with the product of the lengths.
    static let maximumLength = 64

    static func closest(to word: String, among candidates: some Collection<String>) -> String? {
        guard word.utf8.count <= maximumLength * 4, word.count <= maximumLength else { return nil }
        let target = Array(word.lowercased())
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        let allowed = max(1, min(3, target.count / 3))
        let containsEither = candidate.lowercased().contains(word.lowercased()) || word.lowercased().contains(candidate.lowercased())
        return distance <= allowed || (containsEither && target.count >= 3) ? candidate : nil
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions ("pirority" is one edit from "priority") each cost one.
    ///
    /// Three rows of the table at a time (the transposition looks two rows back), not the whole
    /// table: memory is linear in the shorter word.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
