import Foundation
import WadialModels
import YAML

/// `${NAME}` and `${NAME:-default}` in scalar values, replaced from the environment before
/// validation. `$${` writes a literal `${`. Keys are never substituted. A plain scalar is resolved
/// again after substitution, so `enabled: ${FLAG:-true}` is a boolean.
///
/// The API key is never substituted: `${WADIAL_API_KEY}`, `${WADIAL_API_KEY_FILE}` and any
/// variable whose value is the key are errors, so that the key cannot reach a log line, the state
/// file or a URL through a rule.
struct EnvironmentSubstitution {
    let environment: [String: String]
    /// The API key's value (from `WADIAL_API_KEY`, or the file `WADIAL_API_KEY_FILE` names).
    let secrets: Set<String>

    /// Variables that hold or point at the key.
    static let secretNames: Set<String> = [APIKeySource.variable, APIKeySource.fileVariable]

    init(environment: [String: String]) {
        self.environment = environment
        var secrets = Set<String>()
        if let key = APIKeySource.fromVariable(environment) { secrets.insert(key) }
        if let path = APIKeySource.filePath(environment), let key = APIKeySource.readFile(path), !key.isEmpty { secrets.insert(key) }
        self.secrets = secrets
    }

    /// Substitutes the variables of the document below `node` in place.
    func apply(_ node: NodeRef, _ path: KeyPath, in document: Document, _ context: DecodingContext) {
        guard node.holdsDollar else { return }
        var trail: [Step] = []
        substitute(node, path, &trail, document, context)
    }

    /// Where the walk is below the path it started at; turned into a `KeyPath` only for a problem.
    private enum Step {
        case key(NodeRef)
        case index(Int)
    }

    /// Walks only what holds a `$` (the parser marks collections with such a value below).
    /// An aliased collection is its anchored node again: a replaced text is not substituted a
    /// second time (a value that brought a `$` would be read as a variable).
    private func substitute(_ node: NodeRef, _ base: KeyPath, _ trail: inout [Step], _ document: Document, _ context: DecodingContext) {
        if let mapping = node.mapping {
            for pair in mapping.pairs where pair.value.holdsDollar {
                trail.append(.key(pair.key))
                defer { trail.removeLast() }
                substitute(pair.value, base, &trail, document, context)
            }
        } else if let sequence = node.sequence {
            for (index, item) in sequence.items.enumerated() where item.holdsDollar {
                trail.append(.index(index))
                defer { trail.removeLast() }
                substitute(item, base, &trail, document, context)
            }
        } else if node.holdsDollar, !document.isReplaced(node), let text = node.text {
            switch substitute(text) {
            case .success(let substituted):
                // By bytes: a text canonically equal to the written one is still another text.
                if !substituted.utf8.elementsEqual(text.utf8) { document.replaceText(of: node, with: substituted) }
            case .failure(let problem):
                let path = trail.reduce(base) { path, step in
                    switch step {
                    case .key(let key): path.key(key.scalar?.string ?? "?")
                    case .index(let index): path.index(index)
                    }
                }
                context.reportUnsubstituted(node.mark, path, problem.message, suggestion: problem.suggestion)
            }
        }
    }

    struct Problem: Error {
        let message: String
        let suggestion: String?
    }

    func substitute(_ text: String) -> Result<String, Problem> {
        // Without "${" there is nothing to replace (a `$` alone is itself): a regex's `$` anchor.
        guard Substring(text).firstRange(ofASCII: "${") != nil else { return .success(text) }
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
            if let separator = body.firstRange(ofASCII: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            }
            guard Self.isVariableName(name) else {
                return .failure(Problem(message: "\"${\(body)}\" is not a variable reference; a name is letters, digits and _", suggestion: "write $${ for a literal ${"))
            }
            if Self.secretNames.contains(String(name)) {
                return .failure(Problem(
                    message: "${\(name)} is the API key's variable and is never substituted into rules: a rule's values reach logs, the state file and URLs",
                    suggestion: "the engine sends the key itself; remove it from the rule"))
            }
            if let value = environment[String(name)] {
                guard !secrets.contains(where: { value.contains($0) }) else {
                    return .failure(Problem(
                        message: "${\(name)} holds the API key, which is never substituted into rules: a rule's values reach logs, the state file and URLs",
                        suggestion: "use a variable that does not hold the key"))
                }
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
        guard let first = name.utf8.first, ASCII.isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return name.utf8.allSatisfy { ASCII.isAlphanumeric($0) || $0 == UInt8(ascii: "_") }
    }
}
