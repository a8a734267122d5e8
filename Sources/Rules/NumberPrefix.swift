import Foundation
public import WadialModels


/// A phone-number prefix as digits: `"+1"` is `1`, `"+44 20"` is `4420`, `"0044"` is `44`.
public struct NumberPrefix: Sendable, Hashable, CustomStringConvertible {
    public let digits: String

    public enum ParseError: Error, Sendable, Hashable {
        case empty, notDigits, tooLong
    }

    public init(parsing text: String) throws(ParseError) {
        guard !text.trimmingBlanks.isEmpty else { throw .empty }
        guard let digits = PhoneNumber.normalizedDigits(text) else { throw .notDigits }
        guard digits.count <= PhoneNumber.digitRange.upperBound else { throw .tooLong }
        self.digits = digits
    }

    public func matches(_ number: PhoneNumber) -> Bool { number.hasPrefix(digits) }

    public var description: String { "+" + digits }
}
