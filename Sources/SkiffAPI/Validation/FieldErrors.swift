/// A bad value as Go's `field.Error` prints it: strings quoted (`%q`), numbers and booleans
/// bare (`%v`), other values in a preformatted Go-syntax form (`%#v`).
enum GoValue: Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case goSyntax(String)

    init(_ json: JSONValue?) {
        switch json {
        case .string(let s)?: self = .string(s)
        case .int(let i)?: self = .int(i)
        case .double(let d)?: self = .goSyntax(d.rounded() == d && abs(d) < 1e21 ? String(Int64(d)) : "\(d)")
        case .bool(let b)?: self = .bool(b)
        case nil, .null?: self = .null
        case let other?: self = .goSyntax(other.jsonString)
        }
    }

    /// `map[string]string{"a":"b"}` — how Go prints a labels map (keys sorted).
    static func stringMap(_ map: JSONObject?) -> GoValue {
        guard let map else { return .goSyntax("map[string]string(nil)") }
        let body = map.keys.sorted().map { "\(goQuote($0)):\(goQuote(map[$0]?.stringValue ?? ""))" }.joined(separator: ", ")
        return .goSyntax("map[string]string{\(body)}")
    }

    /// `v1.LabelSelector{MatchLabels:…, MatchExpressions:…}` — how Go prints a label selector.
    static func labelSelector(_ selector: JSONValue?) -> GoValue {
        guard let selector = selector?.objectValue else { return .goSyntax("(*v1.LabelSelector)(nil)") }
        let labels = stringMap(selector.objectField("matchLabels")).text
        var expressions = "[]v1.LabelSelectorRequirement(nil)"
        if let items = selector.arrayField("matchExpressions") {
            let rendered = items.map { item -> String in
                let o = item.objectValue ?? [:]
                let values = (o.arrayField("values") ?? []).map { goQuote($0.stringValue ?? "") }
                let valuesText = o["values"] == nil ? "[]string(nil)" : "[]string{\(values.joined(separator: ", "))}"
                return "v1.LabelSelectorRequirement{Key:\(goQuote(o.stringField("key") ?? "")), "
                    + "Operator:\(goQuote(o.stringField("operator") ?? "")), Values:\(valuesText)}"
            }
            expressions = "[]v1.LabelSelectorRequirement{\(rendered.joined(separator: ", "))}"
        }
        return .goSyntax("v1.LabelSelector{MatchLabels:\(labels), MatchExpressions:\(expressions)}")
    }

    var text: String {
        switch self {
        case .string(let s): goQuote(s)
        case .int(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .goSyntax(let s): s
        }
    }
}

/// Go's `strconv.Quote`: double quotes, backslash escapes, `\x`/`\u` for non-printable runes.
func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\u{0B}": out += "\\v"
        default:
            let v = scalar.value
            if v < 0x20 || v == 0x7F {
                out += "\\x" + hex(v, width: 2)
            } else if (0x80..<0xA0).contains(v) || v == 0xAD || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                out += v > 0xFFFF ? "\\U" + hex(v, width: 8) : "\\u" + hex(v, width: 4)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

private func hex(_ v: UInt32, width: Int) -> String {
    let digits = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Collects causes in the order Kubernetes' validators append them. Each helper mirrors one
/// constructor of k8s.io/apimachinery/pkg/util/validation/field and produces the same
/// `reason` (CauseType) and `message` (`ErrorBody()`).
struct FieldErrors {
    var causes: [FieldCause] = []

    mutating func required(_ path: String, _ detail: String = "") {
        add("FieldValueRequired", path, "Required value", nil, detail)
    }

    mutating func invalid(_ path: String, _ value: GoValue, _ detail: String) {
        add("FieldValueInvalid", path, "Invalid value", value, detail)
    }

    mutating func notSupported(_ path: String, _ value: GoValue, _ supported: [String]) {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(goQuote).joined(separator: ", ")
        add("FieldValueNotSupported", path, "Unsupported value", value, detail)
    }

    mutating func duplicate(_ path: String, _ value: GoValue) {
        add("FieldValueDuplicate", path, "Duplicate value", value, "")
    }

    mutating func notFound(_ path: String, _ value: GoValue) {
        add("FieldValueNotFound", path, "Not found", value, "")
    }

    mutating func forbidden(_ path: String, _ detail: String) {
        add("FieldValueForbidden", path, "Forbidden", nil, detail)
    }

    mutating func tooLong(_ path: String, maxBytes: Int) {
        add("FieldValueTooLong", path, "Too long", nil, "may not be more than \(maxBytes) \(maxBytes == 1 ? "byte" : "bytes")")
    }

    mutating func tooMany(_ path: String, actual: Int, max: Int) {
        add("FieldValueTooMany", path, "Too many", .int(Int64(actual)), "must have at most \(max) items")
    }

    /// `ValidateNonnegativeField`.
    mutating func nonNegative(_ path: String, _ value: JSONValue?) {
        if let v = value?.intValue, v < 0 { invalid(path, .int(v), "must be greater than or equal to 0") }
    }

    /// `field is immutable` when the two values differ (`ValidateImmutableField`).
    mutating func immutable(_ path: String, new: JSONValue?, old: JSONValue?, shownAs value: GoValue? = nil) {
        if normalized(new) != normalized(old) { invalid(path, value ?? GoValue(new), "field is immutable") }
    }

    private func normalized(_ value: JSONValue?) -> JSONValue? {
        value == .null ? nil : value
    }

    private mutating func add(_ reason: String, _ path: String, _ type: String, _ value: GoValue?, _ detail: String) {
        var message = type
        if let value { message += ": " + value.text }
        if !detail.isEmpty { message += ": " + detail }
        causes.append(FieldCause(reason: reason, message: message, field: path))
    }
}

/// Field paths as `field.Path.String()` prints them: `spec.containers[0].image`, `data[key]`.
extension String {
    func fieldChild(_ name: String) -> String { isEmpty ? name : self + "." + name }
    func fieldIndex(_ i: Int) -> String { self + "[\(i)]" }
    func fieldKey(_ k: String) -> String { self + "[\(k)]" }
}
