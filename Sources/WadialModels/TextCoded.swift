/// A value written as text and checked when it is made: coded as that text, and refused with a
/// decoding error naming what was expected when the text is not one.
public protocol TextCoded: Codable {
    /// Nil unless `text` is a well-formed value.
    init?(_ text: String)
    /// The text it is coded as.
    var codedText: String { get }
    /// What a value is, for the decoding error: "a group JID".
    static var expected: String { get }
}

extension TextCoded {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not \(Self.expected): \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(codedText)
    }
}
