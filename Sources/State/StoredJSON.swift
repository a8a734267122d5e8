public import Foundation

/// How every store keeps a list or a map in one text column: as JSON. A value that cannot be
/// read back (a row written by hand, a newer version's shape) reads as empty, never as an error.
public enum StoredJSON {
    public static func list(_ values: [String]) -> String { text(values, empty: "[]") }
    public static func unlist(_ text: String) -> [String] { value(text) ?? [] }

    public static func requests(_ requests: [JournalRequest]) -> String { text(requests, empty: "[]") }
    public static func requests(_ text: String) -> [JournalRequest] { value(text) ?? [] }

    public static func values(_ values: [String: String]) -> String { text(values, empty: "{}") }
    public static func values(_ text: String) -> [String: String] { value(text) ?? [:] }

    private static func text<T: Encodable>(_ value: T, empty: String) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data(empty.utf8), as: UTF8.self)
    }

    private static func value<T: Decodable>(_ text: String) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
