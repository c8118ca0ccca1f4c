import Foundation

/// Parsing and serialization entry points. Callers use only these two, so the implementation
/// can be replaced by a faster byte-level codec without touching them.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int?
    public init(message: String, offset: Int? = nil) {
        self.message = message
        self.offset = offset
    }
    public var description: String { offset.map { "\(message) at offset \($0)" } ?? message }
}

extension JSONValue {
    /// Parses one JSON document. Throws `JSONParseError` on malformed input.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw JSONParseError(message: "invalid JSON: \(error)")
        }
    }

    /// Compact JSON encoding.
    public func serialized() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("null".utf8))
    }
}
