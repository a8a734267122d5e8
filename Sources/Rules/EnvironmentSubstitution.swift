import YAML

/// `${NAME}` and `${NAME:-default}` in scalar values, replaced from the environment before
/// validation. `$${` writes a literal `${`. Keys are never substituted. A plain scalar is resolved
/// again after substitution, so `enabled: ${FLAG:-true}` is a boolean.
struct EnvironmentSubstitution {
    let environment: [String: String]

    func apply(_ node: Node, _ path: KeyPath, _ context: DecodingContext) -> Node {
        switch node {
        case .scalar(var scalar):
            guard scalar.string.contains("$") else { return node }
            switch substitute(scalar.string) {
            case .success(let text):
                scalar.string = text
            case .failure(let problem):
                context.reportUnsubstituted(scalar.mark, path, problem.message, suggestion: problem.suggestion)
            }
            return .scalar(scalar)
        case .sequence(var sequence):
            sequence.items = sequence.items.enumerated().map { apply($1, path.index($0), context) }
            return .sequence(sequence)
        case .mapping(var mapping):
            mapping.pairs = mapping.pairs.map { pair in
                let key = pair.key.scalar?.string ?? "?"
                return .init(key: pair.key, value: apply(pair.value, path.key(key), context))
            }
            return .mapping(mapping)
        }
    }

    struct Problem: Error {
        let message: String
        let suggestion: String?
    }

    func substitute(_ text: String) -> Result<String, Problem> {
        var output = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("${") {
                output += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{") else {
                output.append("$")
                rest = after
                continue
            }
            guard let close = after.firstIndex(of: "}") else {
                return .failure(Problem(message: "\"${\" is not closed by \"}\"", suggestion: "write $${ for a literal ${"))
            }
            let body = after[after.index(after: after.startIndex)..<close]
            var name = body
            var fallback: Substring?
            if let separator = body.range(of: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            }
            guard Self.isVariableName(name) else {
                return .failure(Problem(message: "\"${\(body)}\" is not a variable reference; a name is letters, digits and _", suggestion: "write $${ for a literal ${"))
            }
            if let value = environment[String(name)] {
                output += value
            } else if let fallback {
                output += fallback
            } else {
                return .failure(Problem(
                    message: "environment variable \(name) is not set",
                    suggestion: "set it, or give a default: ${\(name):-value}"))
            }
            rest = after[after.index(after: close)...]
        }
        output += rest
        return .success(output)
    }

    static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
