import Foundation

/// Validation of a custom resource against its CRD's structural `openAPIV3Schema` (as JSON), with
/// the messages kube-apiserver's apiextensions validator (kube-openapi's validate package, mapped
/// to `field.Error`s) produces: `spec.replicas: Invalid value: 15: spec.replicas in body should be
/// less than or equal to 10`, `Unsupported value`, `Required value`, `Too long`, `Too many`,
/// `Duplicate value` for list types. `apiVersion`, `kind` and `metadata` at the root are the
/// server's (checked elsewhere); everything else follows the schema.
public enum SchemaValidator {
    public static func validate(_ object: JSONValue, schema: JSONValue) -> [FieldCause] {
        var errors = FieldErrors()
        guard case .object(let fields) = object else {
            errors.invalid("", .goSyntax(object.jsonString), "must be an object")
            return errors.causes
        }
        var root = fields
        // The root's metadata is ObjectMeta, validated by the server; apiVersion/kind are routing.
        root["metadata"] = nil
        root["apiVersion"] = nil
        root["kind"] = nil
        var rootSchema = schema
        if var properties = rootSchema["properties"]?.objectValue {
            properties["metadata"] = nil
            properties["apiVersion"] = nil
            properties["kind"] = nil
            rootSchema["properties"] = .object(properties)
        }
        if var required = rootSchema["required"]?.arrayValue {
            required.removeAll { ["metadata", "apiVersion", "kind"].contains($0.stringValue ?? "") }
            rootSchema["required"] = .array(required)
        }
        check(.object(root), schema: rootSchema, path: "", into: &errors)
        return errors.causes
    }

    /// The JSON type name kube-openapi reports for a value.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double(let d): d.rounded() == d && abs(d) < 9.0e15 ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The `in body` name: the field path, or the empty-path placeholder kube-openapi uses.
    private static func bodyName(_ path: String) -> String { path.isEmpty ? "body" : path }

    private static func check(_ value: JSONValue, schema: JSONValue, path: String, into errors: inout FieldErrors) {
        guard case .object = schema else { return }
        let intOrString = schema["x-kubernetes-int-or-string"]?.boolValue == true
        let nullable = schema["nullable"]?.boolValue == true
        let type = schema["type"]?.stringValue ?? ""
        let actual = typeName(value)
        if value.isNull {
            if nullable || (type.isEmpty && !intOrString) { return }
            errors.typeInvalid(path, .string("null"), "\(bodyName(path)) in body must be of type \(intOrString ? "integer,string" : type): \"null\"")
            return
        }
        if intOrString {
            if actual != "integer" && actual != "string" {
                errors.typeInvalid(path, .string(actual), "\(bodyName(path)) in body must be of type integer,string: \"\(actual)\"")
                return
            }
        } else if !type.isEmpty {
            let matches = type == actual || (type == "number" && actual == "integer")
            if !matches {
                errors.typeInvalid(path, .string(actual), "\(bodyName(path)) in body must be of type \(type): \"\(actual)\"")
                return
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: { equalJSON($0, value) }) {
            errors.notSupported(path, GoValue(value), options.map(\.enumText))
        }
        switch value {
        case .string(let s): checkString(s, schema: schema, path: path, into: &errors)
        case .int, .double: checkNumber(value, schema: schema, path: path, into: &errors)
        case .array(let items): checkArray(items, schema: schema, path: path, into: &errors)
        case .object(let fields): checkObject(fields, schema: schema, path: path, into: &errors)
        default: break
        }
    }

    private static func checkString(_ s: String, schema: JSONValue, path: String, into errors: inout FieldErrors) {
        let length = s.unicodeScalars.count
        if let max = schema["maxLength"]?.intValue, length > max {
            errors.tooLong(path, maxBytes: Int(max))
        }
        if let min = schema["minLength"]?.intValue, length < min {
            errors.invalid(path, .string(s), "\(bodyName(path)) in body should be at least \(min) chars long")
        }
        if let pattern = schema["pattern"]?.stringValue, !PatternCache.matches(pattern, s) {
            errors.invalid(path, .string(s), "\(bodyName(path)) in body should match '\(pattern)'")
        }
        if let format = schema["format"]?.stringValue, !Formats.valid(s, format: format) {
            errors.typeInvalid(path, .string(s), "\(bodyName(path)) in body must be of type \(format): \"\(s)\"")
        }
    }

    private static func checkNumber(_ value: JSONValue, schema: JSONValue, path: String, into errors: inout FieldErrors) {
        guard let n = value.doubleValue else { return }
        let shown = GoValue(value)
        if let max = schema["maximum"]?.doubleValue {
            let exclusive = schema["exclusiveMaximum"]?.boolValue == true
            if exclusive ? n >= max : n > max {
                errors.invalid(path, shown, "\(bodyName(path)) in body should be less than \(exclusive ? "" : "or equal to ")\(numberText(schema["maximum"]))")
            }
        }
        if let min = schema["minimum"]?.doubleValue {
            let exclusive = schema["exclusiveMinimum"]?.boolValue == true
            if exclusive ? n <= min : n < min {
                errors.invalid(path, shown, "\(bodyName(path)) in body should be greater than \(exclusive ? "" : "or equal to ")\(numberText(schema["minimum"]))")
            }
        }
        if let factor = schema["multipleOf"]?.doubleValue, factor > 0 {
            let q = n / factor
            if q.rounded() != q {
                errors.invalid(path, shown, "\(bodyName(path)) in body should be a multiple of \(numberText(schema["multipleOf"]))")
            }
        }
    }

    private static func numberText(_ v: JSONValue?) -> String {
        switch v {
        case .int(let i)?: String(i)
        case .double(let d)?: d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        default: ""
        }
    }

    private static func checkArray(_ items: [JSONValue], schema: JSONValue, path: String, into errors: inout FieldErrors) {
        if let max = schema["maxItems"]?.intValue, items.count > max {
            errors.tooMany(path, actual: items.count, max: Int(max))
        }
        if let min = schema["minItems"]?.intValue, items.count < min {
            errors.invalid(path, .goSyntax(GoValue.describe(.array(items))), "\(bodyName(path)) in body should have at least \(min) items")
        }
        if schema["uniqueItems"]?.boolValue == true {
            for i in items.indices where items[..<i].contains(where: { equalJSON($0, items[i]) }) {
                errors.invalid(path, .goSyntax(GoValue.describe(.array(items))), "\(bodyName(path)) in body shouldn't contain duplicates")
                break
            }
        }
        if let itemSchema = schema["items"], case .object = itemSchema {
            for (i, item) in items.enumerated() { check(item, schema: itemSchema, path: path.fieldIndex(i), into: &errors) }
        }
        checkListType(items, schema: schema, path: path, into: &errors)
    }

    /// `x-kubernetes-list-type`: `set` items are unique scalars, `map` items are unique by
    /// `x-kubernetes-list-map-keys`.
    private static func checkListType(_ items: [JSONValue], schema: JSONValue, path: String, into errors: inout FieldErrors) {
        switch schema["x-kubernetes-list-type"]?.stringValue {
        case "set":
            for i in items.indices where items[..<i].contains(where: { equalJSON($0, items[i]) }) {
                errors.duplicate(path.fieldIndex(i), GoValue(items[i]))
            }
        case "map":
            let keys = (schema["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
            var seen: [[JSONValue?]] = []
            for (i, item) in items.enumerated() {
                let tuple = keys.map { item[$0] ?? (schema["items"]?["properties"]?[$0]?["default"]) }
                if seen.contains(where: { zip($0, tuple).allSatisfy { a, b in a == b } }) {
                    var shown: [String: JSONValue] = [:]
                    for (k, v) in zip(keys, tuple) { shown[k] = v ?? .null }
                    errors.duplicate(path.fieldIndex(i), .goSyntax(GoValue.describe(.object(shown))))
                } else {
                    seen.append(tuple)
                }
            }
        default: break
        }
    }

    private static func checkObject(_ fields: [String: JSONValue], schema: JSONValue, path: String, into errors: inout FieldErrors) {
        if let max = schema["maxProperties"]?.intValue, fields.count > max {
            errors.tooMany(path, actual: fields.count, max: Int(max))
        }
        if let min = schema["minProperties"]?.intValue, fields.count < min {
            errors.invalid(path, .goSyntax(GoValue.describe(.object(fields))), "\(bodyName(path)) in body should have at least \(min) properties")
        }
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where fields[name] == nil {
            errors.required(path.fieldChild(name))
        }
        if schema["x-kubernetes-embedded-resource"]?.boolValue == true {
            for key in ["apiVersion", "kind"] where (fields[key]?.stringValue ?? "").isEmpty {
                errors.required(path.fieldChild(key), "must not be empty")
            }
        }
        let properties = schema["properties"]?.objectValue ?? [:]
        let additional = schema["additionalProperties"]
        for key in fields.keys.sorted() {
            guard let v = fields[key] else { continue }
            if let sub = properties[key] {
                check(v, schema: sub, path: path.fieldChild(key), into: &errors)
            } else if let additional, case .object = additional {
                check(v, schema: additional, path: path.fieldKey(key), into: &errors)
            }
        }
    }

    /// JSON equality where 1 and 1.0 are the same number.
    static func equalJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue, a.isNumber, b.isNumber { return x == y }
        return a == b
    }
}

extension JSONValue {
    var isNumber: Bool {
        switch self {
        case .int, .double: true
        default: false
        }
    }

    /// How Go prints an enum value in "supported values" (strings quoted, others as JSON).
    var enumText: String {
        if case .string(let s) = self { return s }
        return jsonString
    }
}

extension GoValue {
    /// `%#v`-like text for arrays and objects (`[]interface {}{"a", 1}`, `map[string]interface {}{"k":"v"}`).
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .array(let items): return "[]interface {}{" + items.map(describe).joined(separator: ", ") + "}"
        case .object(let fields):
            return "map[string]interface {}{" + fields.keys.sorted().map { "\(goQuote($0)):\(describe(fields[$0] ?? .null))" }.joined(separator: ", ") + "}"
        case .string(let s): return goQuote(s)
        case .null: return "interface {}(nil)"
        default: return value.jsonString
        }
    }
}

extension FieldErrors {
    /// `field.TypeInvalid`: reason FieldValueTypeInvalid, "Invalid value" body.
    mutating func typeInvalid(_ path: String, _ value: GoValue, _ detail: String) {
        causes.append(FieldCause(reason: "FieldValueTypeInvalid", message: "Invalid value: \(value.text): \(detail)", field: path))
    }
}

/// Compiled `pattern`s: CRD patterns are few and reused for every object.
enum PatternCache {
    nonisolated(unsafe) private static var compiled: [String: NSRegularExpression?] = [:]
    private static let lock = NSLock()

    static func matches(_ pattern: String, _ s: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let regex: NSRegularExpression?
        if let cached = compiled[pattern] {
            regex = cached
        } else {
            regex = try? NSRegularExpression(pattern: pattern)
            if compiled.count > 1000 { compiled = [:] }
            compiled[pattern] = regex
        }
        guard let regex else { return true }
        return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    static func compiles(_ pattern: String) -> Bool { (try? NSRegularExpression(pattern: pattern)) != nil }
}

/// The string formats kube-apiserver checks for custom resources (apiextensions' supported set).
enum Formats {
    static func valid(_ s: String, format: String) -> Bool {
        switch format {
        case "int32", "int64", "float", "double", "byte", "password", "": return format != "byte" || Data(base64Encoded: s) != nil
        case "date-time", "datetime": return KubeDateTime.parses(s)
        case "date": return s.utf8.count == 10 && PatternCache.matches(#"^\d{4}-\d{2}-\d{2}$"#, s)
        case "uuid": return PatternCache.matches(#"^(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$"#, s)
        case "email": return PatternCache.matches(#"^[^@\s]+@[^@\s]+$"#, s)
        case "hostname": return !s.isEmpty && s.utf8.count <= 253 && PatternCache.matches(#"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"#, s)
        case "ipv4": return IPText.isIPv4(s)
        case "ipv6": return s.contains(":") && IPText.isIPv6(s)
        case "cidr": return IPText.isCIDR(s)
        case "mac": return PatternCache.matches(#"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$"#, s)
        case "duration": return PatternCache.matches(#"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d|w))+$"#, s)
        case "uri": return URL(string: s) != nil && s.contains(":")
        default: return true
        }
    }
}

enum KubeDateTime {
    static func parses(_ s: String) -> Bool {
        PatternCache.matches(#"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#, s)
    }
}

enum IPText {
    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCIIDigit) && (Int(p) ?? 256) <= 255 && !(p.count > 1 && p.first == "0")
        }
    }

    static func isIPv6(_ s: String) -> Bool {
        var addr = in6_addr()
        return inet_pton(AF_INET6, s, &addr) == 1
    }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy(\.isASCIIDigit) else { return false }
        let ip = String(parts[0])
        if isIPv4(ip) { return bits <= 32 }
        return isIPv6(ip) && bits <= 128
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
