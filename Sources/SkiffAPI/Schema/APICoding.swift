import Foundation

/// Converts between `JSONValue` (what the API server stores and patches) and the generated types.
public enum APICoding {
    /// Decodes a generated type from JSON; unknown fields are ignored (check them with
    /// `SchemaCatalog.unknownFields` first when strict validation is wanted).
    public static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.serialized()))
    }

    /// Encodes a generated value as JSON; nil properties are omitted.
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let data = try JSONEncoder().encode(value)
        return try JSONValue.parse(Array(data))
    }
}
