/// A heap box that lets a generated struct contain a value of its own type (e.g. `JSONSchemaProps.not`).
/// Encodes and decodes exactly as the wrapped value.
public struct Indirect<Wrapped: Sendable & Equatable & Codable>: Sendable, Equatable, Codable {
    private final class Box: Sendable {
        let value: Wrapped
        init(_ value: Wrapped) { self.value = value }
    }

    private var box: Box

    public init(_ value: Wrapped) { box = Box(value) }

    public var value: Wrapped {
        get { box.value }
        set { box = Box(newValue) }
    }

    public static func == (lhs: Indirect, rhs: Indirect) -> Bool { lhs.value == rhs.value }

    public init(from decoder: any Decoder) throws {
        box = Box(try Wrapped(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try box.value.encode(to: encoder)
    }
}
