import Foundation

/// What makes a URL one the client or a webhook can be sent to: `http` or `https`, a host, a port
/// from 1 to 65535 if any (a larger one would trap deep in the network stack), and, for the API's
/// base, no query or fragment (every path is appended to it).
public enum HTTPURLCheck {
    /// Nil when `text` is fine; otherwise what is wrong, in words.
    public static func problem(_ text: String, base: Bool = true) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { return "is not a URL" }
        guard scheme == "http" || scheme == "https" else { return "is not an http:// or https:// URL" }
        guard let host = components.host, !host.isEmpty else { return "has no host" }
        if let port = components.port, !(1...65535).contains(port) { return "has port \(port), outside 1 to 65535" }
        if base, components.query != nil || components.fragment != nil { return "has a query or fragment, which every call would carry" }
        return nil
    }
}
