/// A resource quantity ("500m", "1Gi", "2e3") reduced to a number for comparisons during
/// validation and QoS classification. Parsing follows resource.Quantity's grammar; exactness
/// beyond a Double's precision is not needed for "request ≤ limit" checks.
struct ResourceAmount: Comparable, Sendable {
    let value: Double

    init?(_ text: String) {
        var number = Substring(text)
        var multiplier: Double = 1
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
            ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
            ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, factor) in suffixes where number.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard !number.isEmpty,
              number.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 43 || $0 == 45 || $0 == 101 || $0 == 69 }),
              let parsed = Double(number), parsed.isFinite else { return nil }
        value = parsed * multiplier
    }

    init(value: Double) {
        self.value = value
    }

    /// Accepts the JSON forms a quantity takes: a string, or a bare number.
    init?(_ json: JSONValue?) {
        switch json {
        case .string(let s)?: self.init(s)
        case .int(let i)?: self.init(value: Double(i))
        case .double(let d)?: self.init(value: d)
        default: return nil
        }
    }

    static func < (lhs: ResourceAmount, rhs: ResourceAmount) -> Bool { lhs.value < rhs.value }
}

extension JSONValue {
    /// A quantity's text as Kubernetes prints it back (strings as given, numbers bare).
    var quantityText: String {
        switch self {
        case .string(let s): s
        default: jsonString
        }
    }
}
