/// Kubernetes' `intstr.IntOrString`: a JSON integer or a JSON string (ports, maxSurge "25%", …).
public enum IntOrString: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int32)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let i = try? container.decode(Int32.self) {
            self = .int(i)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let i): try container.encode(i)
        case .string(let s): try container.encode(s)
        }
    }

    /// The value as JSON: an integer or a string.
    public var jsonValue: JSONValue {
        switch self {
        case .int(let i): .int(Int64(i))
        case .string(let s): .string(s)
        }
    }

    /// Reads a JSON integer or string; nil for any other JSON value or an integer out of Int32 range.
    public init?(json: JSONValue) {
        switch json {
        case .string(let s): self = .string(s)
        case .int(let i):
            guard let v = Int32(exactly: i) else { return nil }
            self = .int(v)
        case .double(let d):
            guard let v = Int32(exactly: d) else { return nil }
            self = .int(v)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .int(let i): String(i)
        case .string(let s): s
        }
    }

    /// Resolves a percentage ("25%") against `total`, like `intstr.GetScaledValueFromIntOrPercent`:
    /// an int is returned as is; a percentage is scaled and rounded up or down; nil if the string is not "N%".
    public func scaledValue(total: Int, roundUp: Bool) -> Int? {
        switch self {
        case .int(let i): return Int(i)
        case .string(let s):
            guard s.hasSuffix("%"), let p = Int(s.dropLast()) else { return nil }
            let product = p * total
            if roundUp { return (product + 99) / 100 }
            return product / 100
        }
    }
}
