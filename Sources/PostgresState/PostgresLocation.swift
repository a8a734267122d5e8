public import Foundation
import NIOSSL
import PostgresNIO
import WadialModels

/// Where a PostgreSQL state store is: `postgres://USER@HOST:PORT/DB` (or `postgresql://`), with
/// an optional `?sslmode=disable|prefer|require` (default prefer). The password is never part
/// of it: it comes from `PGPASSWORD` or the file `WADIAL_STATE_PASSWORD_FILE` names, so that it
/// shows neither in the process list nor in a log line.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    public init(user: String, host: String, port: Int = 5432, database: String, tls: TLSMode = .prefer) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
    }

    /// True for text that names a PostgreSQL store rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a URL; the error says what is wrong and what to write instead.
    public static func parse(_ text: String) -> Result<PostgresLocation, Problem> {
        guard isURL(text), let components = URLComponents(string: text) else {
            return .failure(Problem("\(TextEscaping.quoted(text)) is not a PostgreSQL URL; expected postgres://USER@HOST:PORT/DATABASE"))
        }
        if components.password != nil {
            return .failure(Problem("the state URL holds a password; leave it out (a command line is visible to every user of the machine) "
                + "and set PGPASSWORD or WADIAL_STATE_PASSWORD_FILE instead"))
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            return .failure(Problem("the state URL names no user; expected postgres://USER@HOST:PORT/DATABASE"))
        }
        guard let host = components.host, !host.isEmpty else {
            return .failure(Problem("the state URL names no host; expected postgres://USER@HOST:PORT/DATABASE"))
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else {
            return .failure(Problem("the state URL's port \(port) is not between 1 and 65535"))
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        guard !database.contains("/") else {
            return .failure(Problem("the state URL's database \(TextEscaping.quoted(database)) holds a /; expected postgres://USER@HOST:PORT/DATABASE"))
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                return .failure(Problem("the state URL's option \(TextEscaping.quoted(item.name)) is not known; only sslmode=disable|prefer|require is"))
            }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                return .failure(Problem("sslmode=\(TextEscaping.quoted(item.value ?? "")) is not one of disable, prefer, require"))
            }
            tls = mode
        }
        return .success(PostgresLocation(user: user, host: host, port: port, database: database, tls: tls))
    }

    /// The URL without any secret: what `run` logs at start.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.rawValue)")
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The password: `PGPASSWORD`, else the trimmed content of `WADIAL_STATE_PASSWORD_FILE`;
    /// nil when neither is set (a server that trusts the user).
    public static func password(_ environment: [String: String]) -> Result<String?, Problem> {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return .success(password) }
        guard let path = environment["WADIAL_STATE_PASSWORD_FILE"], !path.isEmpty else { return .success(nil) }
        guard let data = FileManager.default.contents(atPath: path), data.count <= 4096 else {
            return .failure(Problem("WADIAL_STATE_PASSWORD_FILE names \(TextEscaping.quoted(path)), which cannot be read (or is over 4 KiB)"))
        }
        return .success(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

extension PostgresLocation.TLSMode {
    var configuration: PostgresClient.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }
}

/// A PostgreSQL state store failed: what was being done, on which database (no password), why.
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    public let location: PostgresLocation
    public let doing: String
    public let reason: String

    init(location: PostgresLocation, doing: String, reason: String) {
        self.location = location
        self.doing = doing
        self.reason = reason
    }

    init(location: PostgresLocation, doing: String, underlying: any Error) {
        self.init(location: location, doing: doing, reason: Self.explain(underlying))
    }

    public var description: String {
        "could not \(doing) the PostgreSQL state store \(location): \(reason)"
    }

    /// postgres-nio's own description is deliberately vague; its server message and code are not
    /// secret and say what happened.
    static func explain(_ error: any Error) -> String {
        if let error = error as? PostgresStoreError { return error.reason }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return explain(inner) }
            return "the transaction failed"
        }
        guard let error = error as? PSQLError else { return TextEscaping.visible("\(error)") }
        var parts: [String] = []
        if let message = error.serverInfo?[.message] { parts.append(TextEscaping.visible(message)) }
        if let state = error.serverInfo?[.sqlState] { parts.append("SQLSTATE \(state)") }
        if parts.isEmpty, let underlying = error.underlying { parts.append(TextEscaping.visible("\(underlying)")) }
        if parts.isEmpty { parts.append("\(error.code)") }
        var text = parts.joined(separator: "; ")
        if error.code == .connectionError || error.code == .serverClosedConnection || error.underlying is NIOConnectionError {
            text += ". Check that the server runs and accepts connections from this machine"
        }
        return text
    }
}
