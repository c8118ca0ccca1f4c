import SkiffAPI

/// Decodes the generated `Decodable` types from a parsed `JSONValue` (the informer hot path):
/// SkiffAPI's byte-level parser plus dictionary lookups is several times faster than
/// Foundation's JSONDecoder on the same bytes. Semantics follow JSONDecoder: integers decode
/// only from integral numbers in range, `Double` from any number, `null` is absent for
/// `decodeIfPresent`; errors are `DecodingError`s with the coding path.
package enum JSONValueDecoder {
    package static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        if T.self == JSONValue.self, let v = value as? T { return v }
        return try T(from: ValueDecoder(value: value, codingPath: []))
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

private func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "a bool"
    case .int, .double: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
}

// Paths are autoclosures: building `codingPath + [key]` for every field would allocate per
// field; they are only needed for errors and for nested containers.
private func unbox<T>(_ value: JSONValue, as type: T.Type, path: @autoclosure () -> [any CodingKey]) throws -> T {
    func mismatch() -> DecodingError {
        DecodingError.typeMismatch(T.self, .init(codingPath: path(), debugDescription: "Expected \(T.self) but found \(describe(value))"))
    }
    func integer<I: FixedWidthInteger>(_: I.Type) throws -> I {
        switch value {
        case .int(let i):
            guard let v = I(exactly: i) else { throw mismatch() }
            return v
        case .double(let d):
            guard let v = I(exactly: d) else { throw mismatch() }
            return v
        default: throw mismatch()
        }
    }
    switch type {
    case is String.Type:
        guard case .string(let s) = value else { throw mismatch() }
        return s as! T
    case is Bool.Type:
        guard case .bool(let b) = value else { throw mismatch() }
        return b as! T
    case is Int64.Type: return try integer(Int64.self) as! T
    case is Int32.Type: return try integer(Int32.self) as! T
    case is Int.Type: return try integer(Int.self) as! T
    case is Int16.Type: return try integer(Int16.self) as! T
    case is Int8.Type: return try integer(Int8.self) as! T
    case is UInt64.Type: return try integer(UInt64.self) as! T
    case is UInt32.Type: return try integer(UInt32.self) as! T
    case is UInt.Type: return try integer(UInt.self) as! T
    case is UInt16.Type: return try integer(UInt16.self) as! T
    case is UInt8.Type: return try integer(UInt8.self) as! T
    case is Double.Type:
        switch value {
        case .int(let i): return Double(i) as! T
        case .double(let d): return d as! T
        default: throw mismatch()
        }
    case is Float.Type:
        switch value {
        case .int(let i): return Float(i) as! T
        case .double(let d): return Float(d) as! T
        default: throw mismatch()
        }
    default:
        throw mismatch()
    }
}

private func decodeValue<T: Decodable>(_ type: T.Type, _ value: JSONValue, path: @autoclosure () -> [any CodingKey]) throws -> T {
    switch type {
    case is JSONValue.Type: return value as! T
    case is String.Type, is Bool.Type, is Int64.Type, is Int32.Type, is Int.Type, is Double.Type:
        return try unbox(value, as: T.self, path: path())
    default:
        return try T(from: ValueDecoder(value: value, codingPath: path()))
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath,
                debugDescription: "Expected an object but found \(describe(value))"))
        }
        return KeyedDecodingContainer(Keyed<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath,
                debugDescription: "Expected an array but found \(describe(value))"))
        }
        return Unkeyed(array: array, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, codingPath: codingPath) }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: [String: JSONValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func value(_ key: Key) throws -> JSONValue {
        guard let v = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value for key \"\(key.stringValue)\""))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { object[key.stringValue]?.isNull ?? true }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try unbox(value(key), as: type, path: codingPath + [key]) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decodeValue(type, value(key), path: codingPath + [key]) }

    // The synthesized initializers of the generated types call these for every optional
    // property; answering absent and null keys here avoids the protocol's default detour.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = object[key.stringValue], !v.isNull else { return nil }
        return try decodeValue(type, v, path: codingPath + [key])
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let v = object[key.stringValue], !v.isNull else { return nil }
        return try unbox(v, as: type, path: codingPath + [key])
    }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let v = object[key.stringValue], !v.isNull else { return nil }
        return try unbox(v, as: type, path: codingPath + [key])
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        guard let v = object[key.stringValue], !v.isNull else { return nil }
        return try unbox(v, as: type, path: codingPath + [key])
    }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
        guard let v = object[key.stringValue], !v.isNull else { return nil }
        return try unbox(v, as: type, path: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: object["super"] ?? .null, codingPath: codingPath + [AnyKey(stringValue: "super")])
    }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(array: [JSONValue], codingPath: [any CodingKey]) {
        self.array = array
        self.codingPath = codingPath
    }

    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    private mutating func next<T>(_ type: T.Type) throws -> (JSONValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: codingPath + [AnyKey(intValue: currentIndex)],
                                                            debugDescription: "Unkeyed container is at end."))
        }
        let path = codingPath + [AnyKey(intValue: currentIndex)]
        defer { currentIndex += 1 }
        return (array[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, array[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: String.Type) throws -> String { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: Double.Type) throws -> Double { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: Float.Type) throws -> Float { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: Int.Type) throws -> Int { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { let (v, p) = try next(type); return try unbox(v, as: type, path: p) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { let (v, p) = try next(type); return try decodeValue(type, v, path: p) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, p) = try next([String: Any].self)
        return try ValueDecoder(value: v, codingPath: p).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, p) = try next([Any].self)
        return try ValueDecoder(value: v, codingPath: p).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder {
        let (v, p) = try next(Any.self)
        return ValueDecoder(value: v, codingPath: p)
    }
}

private struct Single: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: String.Type) throws -> String { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try unbox(value, as: type, path: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try unbox(value, as: type, path: codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type, value, path: codingPath) }
}
