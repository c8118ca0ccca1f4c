/// In-place editing helpers for JSON objects, used by defaulting (and anyone mutating
/// decoded objects). They take the nested value out of its parent before editing so Swift's
/// copy-on-write never copies a whole subtree.
package typealias JSONObject = [String: JSONValue]

extension Dictionary where Key == String, Value == JSONValue {
    /// Calls `body` with the object at `key`. A missing or null value becomes `{}` when `create`
    /// is true and is skipped otherwise; a value of another JSON type is left alone.
    package mutating func editObject(_ key: String, create: Bool = false, _ body: (inout JSONObject) -> Void) {
        var inner: JSONObject
        switch self[key] {
        case .object(let object)?: inner = object
        case nil, .null?:
            guard create else { return }
            inner = [:]
        default: return
        }
        self[key] = .null
        body(&inner)
        self[key] = .object(inner)
    }

    /// Calls `body` for every object element of the array at `key` (other elements are skipped).
    package mutating func editObjects(_ key: String, _ body: (inout JSONObject) -> Void) {
        guard case .array(var items)? = self[key] else { return }
        self[key] = .null
        for i in items.indices {
            guard case .object(var element) = items[i] else { continue }
            items[i] = .null
            body(&element)
            items[i] = .object(element)
        }
        self[key] = .array(items)
    }

    /// Sets `key` to `value` when it is absent or null (a Go pointer field left nil).
    package mutating func setIfAbsent(_ key: String, _ value: JSONValue) {
        switch self[key] {
        case nil, .null?: self[key] = value
        default: break
        }
    }

    /// Sets `key` to `value` when it is absent, null, `""` or `0` (a Go value field at its zero value).
    package mutating func setIfZero(_ key: String, _ value: JSONValue) {
        switch self[key] {
        case nil, .null?, .string("")?, .int(0)?: self[key] = value
        case .double(let d)? where d == 0: self[key] = value
        default: break
        }
    }

    package func stringField(_ key: String) -> String? { self[key]?.stringValue }
    package func objectField(_ key: String) -> JSONObject? { self[key]?.objectValue }
    package func arrayField(_ key: String) -> [JSONValue]? { self[key]?.arrayValue }
    package func intField(_ key: String) -> Int64? { self[key]?.intValue }
    package func boolField(_ key: String) -> Bool? { self[key]?.boolValue }
}

extension JSONValue {
    /// Follows object keys; nil when any step is missing or not an object.
    package func valueAt(path keys: String...) -> JSONValue? {
        var current = self
        for key in keys {
            guard case .object(let fields) = current, let next = fields[key] else { return nil }
            current = next
        }
        return current
    }

    /// The number as a Double whether stored as `.int` or `.double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
