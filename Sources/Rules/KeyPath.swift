/// A location inside a rule file by keys and indices: `rules[2].then[0].set_ephemeral`.
///
/// Built for every key the decoder visits but read only for a problem: so each step is a link to
/// its parent, and the text is put together only when asked for.
struct KeyPath: Sendable, Hashable, CustomStringConvertible {
    private final class Link: Sendable {
        let parent: Link?
        let step: Step

        init(_ parent: Link?, _ step: Step) {
            self.parent = parent
            self.step = step
        }
    }

    private enum Step: Sendable {
        case key(String)
        case index(Int)
    }

    private let last: Link?

    static let root = KeyPath(last: nil)

    private init(last: Link?) {
        self.last = last
    }

    func key(_ key: String) -> KeyPath { KeyPath(last: Link(last, .key(key))) }

    func index(_ index: Int) -> KeyPath { KeyPath(last: Link(last, .index(index))) }

    var description: String {
        var steps: [Step] = []
        var link = last
        while let current = link {
            steps.append(current.step)
            link = current.parent
        }
        var text = ""
        for step in steps.reversed() {
            switch step {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    static func == (lhs: KeyPath, rhs: KeyPath) -> Bool { lhs.description == rhs.description }
    func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
