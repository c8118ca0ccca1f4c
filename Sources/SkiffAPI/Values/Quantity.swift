/// Kubernetes' `resource.Quantity`: a decimal number with an SI, binary-SI or exponent suffix
/// ("500m", "1.5", "128Mi", "1e3"). The value is exact (mantissa × 10^exponent) and rounded up to
/// nano precision like Kubernetes; it prints in the canonical form Kubernetes prints ("0.5" → "500m",
/// "1024Mi" → "1Gi", "1.5Gi" → "1536Mi").
///
/// Values whose mantissa does not fit in 63 bits (beyond ~9.2e18 significant units) are refused with
/// `QuantityError`, which no real resource amount reaches.
public struct Quantity: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// How a quantity prints: the suffix family it was written with.
    public enum Format: String, Sendable, Hashable {
        case decimalSI = "DecimalSI"
        case binarySI = "BinarySI"
        case decimalExponent = "DecimalExponent"
    }

    /// value = mantissa × 10^exponent; `mantissa` has no trailing decimal zeros (0 has exponent 0).
    public private(set) var mantissa: Int64
    public private(set) var exponent: Int
    public var format: Format

    /// Parses every form Kubernetes accepts: `[+-]digits[.digits]` or `[+-].digits`, followed by
    /// nothing, a decimal SI suffix (n u m k M G T P E), a binary SI suffix (Ki Mi Gi Ti Pi Ei) or
    /// an exponent (`e3`, `E-2`).
    public init(parsing text: String) throws(QuantityError) {
        let (m, e, format) = try QuantityParser.parse(text)
        self.init(mantissa: m, exponent: e, format: format)
    }

    /// An integer amount (`Quantity(1024, format: .binarySI)` prints "1Ki").
    public init(_ value: Int64, format: Format = .decimalSI) {
        self.init(mantissa: value, exponent: 0, format: format)
    }

    /// An amount in thousandths (`Quantity(milli: 1500)` prints "1500m").
    public init(milli: Int64, format: Format = .decimalSI) {
        self.init(mantissa: milli, exponent: -3, format: format)
    }

    init(mantissa: Int64, exponent: Int, format: Format) {
        var m = mantissa
        var e = exponent
        if m == 0 {
            e = 0
        } else {
            while m % 10 == 0 {
                m /= 10
                e += 1
            }
        }
        self.mantissa = m
        self.exponent = e
        self.format = format
    }

    public var isZero: Bool { mantissa == 0 }

    public var sign: Int { mantissa == 0 ? 0 : (mantissa < 0 ? -1 : 1) }

    /// The value rounded up (away from zero) to an integer, like `Quantity.Value()`; saturates at Int64 bounds.
    public var value: Int64 { scaledValue(scale: 0) }

    /// The value in thousandths rounded up, like `Quantity.MilliValue()`; saturates at Int64 bounds.
    public var milliValue: Int64 { scaledValue(scale: -3) }

    /// The value expressed in units of 10^scale, rounded away from zero; saturates at Int64 bounds.
    public func scaledValue(scale: Int) -> Int64 {
        let shift = exponent - scale
        if shift >= 0 {
            guard let r = Quantity.multiply(mantissa, byPowerOf10: shift) else {
                return mantissa < 0 ? Int64.min : Int64.max
            }
            return r
        }
        // Dividing: round away from zero when anything is lost.
        if -shift > 18 { return mantissa == 0 ? 0 : (mantissa < 0 ? -1 : 1) }
        var divisor: Int64 = 1
        for _ in 0 ..< -shift { divisor *= 10 }
        let (q, r) = mantissa.quotientAndRemainder(dividingBy: divisor)
        if r == 0 { return q }
        return mantissa < 0 ? q - 1 : q + 1
    }

    /// The value as a Double (approximate).
    public var doubleValue: Double {
        var d = Double(mantissa)
        if exponent > 0 {
            for _ in 0 ..< exponent { d *= 10 }
        } else if exponent < 0 {
            for _ in 0 ..< -exponent { d /= 10 }
        }
        return d
    }

    /// -1, 0 or 1 as the value of `self` is less than, equal to or greater than `other` (formats are ignored).
    public func compare(_ other: Quantity) -> Int {
        if sign != other.sign { return sign < other.sign ? -1 : 1 }
        if sign == 0 { return 0 }
        let common = min(exponent, other.exponent)
        let a = Quantity.multiply(mantissa, byPowerOf10: exponent - common)
        let b = Quantity.multiply(other.mantissa, byPowerOf10: other.exponent - common)
        switch (a, b) {
        case let (x?, y?): return x == y ? 0 : (x < y ? -1 : 1)
        // Overflow means that side has the larger magnitude.
        case (nil, _): return sign
        case (_, nil): return -sign
        }
    }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.compare(rhs) < 0 }

    /// Equality is by value, like Kubernetes' semantic equality: "1" == "1000m".
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.compare(rhs) == 0 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(mantissa)
        hasher.combine(exponent)
    }

    /// Sum of two quantities, keeping the format of `self`; nil on overflow.
    public func adding(_ other: Quantity) -> Quantity? {
        let common = min(exponent, other.exponent)
        guard let a = Quantity.multiply(mantissa, byPowerOf10: exponent - common),
              let b = Quantity.multiply(other.mantissa, byPowerOf10: other.exponent - common)
        else { return nil }
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return nil }
        return Quantity(mantissa: sum, exponent: common, format: format)
    }

    public func negated() -> Quantity {
        Quantity(mantissa: -mantissa, exponent: exponent, format: format)
    }

    static func multiply(_ value: Int64, byPowerOf10 power: Int) -> Int64? {
        if value == 0 { return 0 }
        var r = value
        for _ in 0 ..< max(0, power) {
            let (p, overflow) = r.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            r = p
        }
        return r
    }

    // MARK: Codable — a JSON string (or, leniently, a JSON number) in; the canonical string out.

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let s = try? container.decode(String.self) {
            do {
                self = try Quantity(parsing: s)
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
            }
        } else if let i = try? container.decode(Int64.self) {
            self = Quantity(i)
        } else {
            let d = try container.decode(Double.self)
            do {
                self = try Quantity(parsing: "\(d)")
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Reads a JSON string or number; nil if it is neither or does not parse.
    public init?(json: JSONValue) {
        switch json {
        case .string(let s):
            guard let q = try? Quantity(parsing: s) else { return nil }
            self = q
        case .int(let i):
            self = Quantity(i)
        case .double(let d):
            guard let q = try? Quantity(parsing: "\(d)") else { return nil }
            self = q
        default:
            return nil
        }
    }
}

/// A string that is not a valid quantity, with Kubernetes' message.
public struct QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
