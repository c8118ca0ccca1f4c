/// Parsing and serialization entry points. Callers use only these, so the codec behind them
/// (a hand-written byte-level parser and serializer, see `JSONParser` and
/// `JSONValue+Serialization.swift`) can change without touching them.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset into the input where the problem was found.
    public var offset: Int?
    public init(message: String, offset: Int? = nil) {
        self.message = message
        self.offset = offset
    }
    public var description: String { offset.map { "\(message) at offset \($0)" } ?? message }
}

extension JSONValue {
    /// Parses exactly one JSON document (RFC 8259). Throws `JSONParseError` with the byte offset
    /// on malformed input, invalid UTF-8, nesting deeper than 1000 or trailing data; never traps.
    /// Integral numbers that fit in Int64 become `.int`, the others `.double`.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            try parse(buffer)
        }
    }

    /// Parses from borrowed memory (e.g. a NIO `ByteBuffer`'s readable view) without copying it.
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: buffer)
        return try parser.parseDocument()
    }

    /// Parses the UTF-8 of `text`.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Compact JSON encoding with a deterministic key order: `apiVersion`, `kind`, `metadata`,
    /// `spec`, `status` first (in that order, at every level), then the other keys sorted.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        serialized(into: &out)
        return out
    }

    /// Appends the compact encoding of `serialized()` to `out` (lets callers build a list or
    /// a watch event around objects without intermediate copies).
    public func serialized(into out: inout [UInt8]) {
        JSONSerializer.write(self, into: &out)
    }

    /// The compact encoding as a `String`.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
