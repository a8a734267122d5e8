/// A YAML document as a plain value tree.
///
/// Anchors and aliases are resolved while parsing and merge keys (`<<`) are applied, so the tree
/// never refers back into itself. Equality and hashing compare content only: marks are where a
/// node was written, not what it is.
public enum Node: Sendable, Hashable {
    case scalar(Scalar)
    case sequence(Sequence)
    case mapping(Mapping)

    /// Where the node starts in the source.
    public var mark: Mark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .sequence(let sequence): sequence.mark
        case .mapping(let mapping): mapping.mark
        }
    }

    public var scalar: Scalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    public var sequence: Sequence? {
        if case .sequence(let sequence) = self { return sequence }
        return nil
    }

    public var mapping: Mapping? {
        if case .mapping(let mapping) = self { return mapping }
        return nil
    }

    /// A short name of the node's kind for messages: "a mapping", "a list", "the string \"x\"".
    public var kindDescription: String {
        switch self {
        case .scalar(let scalar): scalar.kindDescription
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
