/// A location inside a rule file by keys and indices: `rules[2].then[0].set_ephemeral`.
struct KeyPath: Sendable, Hashable, CustomStringConvertible {
    private(set) var description: String

    static let root = KeyPath(description: "")

    func key(_ key: String) -> KeyPath {
        KeyPath(description: description.isEmpty ? key : description + "." + key)
    }

    func index(_ index: Int) -> KeyPath {
        KeyPath(description: description + "[\(index)]")
    }
}
