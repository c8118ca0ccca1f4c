import Foundation

/// JSON patch (RFC 6902): `add`, `remove`, `replace`, `move`, `copy`, `test`, JSON pointers with
/// `~0`/`~1` escapes and the `-` (end of array) index.
public enum JSONPatch {
    /// Bounds on what one patch may do, so a few kilobytes of patch cannot grow a document to
    /// gigabytes or nest it deep enough to exhaust the stack of the recursive code that walks it.
    public struct Limits: Sendable {
        /// kube-apiserver's `maxJSONPatchOperations`; more is 413 RequestEntityTooLarge.
        public var maxOperations = 10_000
        /// json-patch's `AccumulatedCopySizeLimit`, which kube-apiserver sets from
        /// `JSONPatchMaxCopyBytes` (3 MiB): the serialized size of all `copy` values together.
        public var maxCopyBytes = 3 * 1024 * 1024
        /// The JSON parser's nesting limit: no operation may place a value deeper.
        public var maxDepth = JSONParser.maximumDepth

        public init() {}
        public static let `default` = Limits()
    }

    /// Applies the operations of `patch` (a JSON array) to `document` in order.
    /// Throws `.badRequest` for a malformed patch document, `.tooLarge` for more operations than
    /// `limits` allow and `.invalid` for an operation that does not apply (missing path, failed
    /// `test`, index out of range, copy or depth limit exceeded).
    public static func apply(_ patch: JSONValue, to document: JSONValue,
                             limits: Limits = .default) throws(PatchError) -> JSONValue {
        guard case .array(let operations) = patch else {
            throw PatchError("a JSON patch must be a JSON array of operations", reason: .badRequest)
        }
        if operations.count > limits.maxOperations {
            throw PatchError("The allowed maximum operations in a JSON patch is \(limits.maxOperations), got \(operations.count)",
                             reason: .tooLarge)
        }
        var doc = document
        var copiedBytes = 0
        for (i, operation) in operations.enumerated() {
            guard case .object(let op) = operation else {
                throw PatchError("JSON patch operation \(i) is not an object", reason: .badRequest)
            }
            guard let name = op["op"]?.stringValue else {
                throw PatchError("JSON patch operation \(i) has no \"op\"", reason: .badRequest)
            }
            guard let pathText = op["path"]?.stringValue else {
                throw PatchError("JSON patch operation \(i) (\(name)) has no \"path\"", reason: .badRequest)
            }
            let path = try pointer(pathText)
            switch name {
            case "add":
                let v = try value(op, name)
                try checkDepth(v, at: path, limits, pathText)
                doc = try add(v, at: path, in: doc, pathText)
            case "remove":
                doc = try remove(at: path, in: doc, pathText).document
            case "replace":
                let v = try value(op, name)
                _ = try get(path, in: doc, pathText)
                try checkDepth(v, at: path, limits, pathText)
                doc = try set(v, at: path, in: doc, pathText, mode: .replace)
            case "move":
                let fromText = try from(op, name)
                let fromPath = try pointer(fromText)
                if path.count > fromPath.count && Array(path.prefix(fromPath.count)) == fromPath {
                    throw PatchError("cannot move \(fromText) into its own child \(pathText)")
                }
                let (rest, moved) = try remove(at: fromPath, in: doc, fromText)
                try checkDepth(moved, at: path, limits, pathText)
                doc = try add(moved, at: path, in: rest, pathText)
            case "copy":
                let fromText = try from(op, name)
                let copied = try get(try pointer(fromText), in: doc, fromText)
                // As json-patch: the copy's serialized size counts against the accumulated limit.
                copiedBytes += copied.serialized().count
                if copiedBytes > limits.maxCopyBytes {
                    throw PatchError("Unable to complete the copy, the accumulated size increase of copy is \(copiedBytes), exceeding the limit \(limits.maxCopyBytes)")
                }
                try checkDepth(copied, at: path, limits, pathText)
                doc = try add(copied, at: path, in: doc, pathText)
            case "test":
                let expected = try value(op, name)
                let actual = try get(path, in: doc, pathText)
                if !actual.jsonEquals(expected) {
                    throw PatchError("testing value \(pathText) failed: expected \(expected.briefDescription), found \(actual.briefDescription)")
                }
            default:
                throw PatchError("unexpected JSON patch operation \"\(name)\"", reason: .badRequest)
            }
        }
        return doc
    }

    /// Refuses to place `value` where the document would nest deeper than `limits.maxDepth`.
    private static func checkDepth(_ value: JSONValue, at path: [String], _ limits: Limits, _ pathText: String) throws(PatchError) {
        guard path.count + value.nestingDepth(upTo: limits.maxDepth + 1) > limits.maxDepth else { return }
        throw PatchError("the value at \(pathText) would nest the document deeper than \(limits.maxDepth) levels")
    }

    private static func value(_ op: [String: JSONValue], _ name: String) throws(PatchError) -> JSONValue {
        guard let v = op["value"] else {
            throw PatchError("JSON patch operation \(name) has no \"value\"", reason: .badRequest)
        }
        return v
    }

    private static func from(_ op: [String: JSONValue], _ name: String) throws(PatchError) -> String {
        guard let f = op["from"]?.stringValue else {
            throw PatchError("JSON patch operation \(name) has no \"from\"", reason: .badRequest)
        }
        return f
    }

    /// Splits a JSON pointer into unescaped reference tokens.
    static func pointer(_ text: String) throws(PatchError) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else {
            throw PatchError("JSON pointer \"\(text)\" must start with \"/\"", reason: .badRequest)
        }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func arrayIndex(_ token: String, count: Int, allowEnd: Bool, _ pathText: String) throws(PatchError) -> Int {
        if allowEnd && token == "-" { return count }
        guard let i = Int(token), i >= 0, token == String(i) else {
            throw PatchError("invalid array index \"\(token)\" in \(pathText)")
        }
        guard i < count || (allowEnd && i == count) else {
            throw PatchError("array index \(i) out of bounds in \(pathText)")
        }
        return i
    }

    static func get(_ path: [String], in doc: JSONValue, _ pathText: String) throws(PatchError) -> JSONValue {
        var current = doc
        for token in path {
            switch current {
            case .object(let fields):
                guard let next = fields[token] else { throw PatchError("path \(pathText) does not exist") }
                current = next
            case .array(let items):
                current = items[try arrayIndex(token, count: items.count, allowEnd: false, pathText)]
            default:
                throw PatchError("path \(pathText) does not exist")
            }
        }
        return current
    }

    private enum SetMode { case add, replace }

    private static func add(_ value: JSONValue, at path: [String], in doc: JSONValue, _ pathText: String) throws(PatchError) -> JSONValue {
        try set(value, at: path, in: doc, pathText, mode: .add)
    }

    private static func set(_ value: JSONValue, at path: [String], in doc: JSONValue, _ pathText: String, mode: SetMode) throws(PatchError) -> JSONValue {
        guard let token = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch doc {
        case .object(var fields):
            if rest.isEmpty {
                fields[token] = value
            } else {
                guard let child = fields[token] else { throw PatchError("path \(pathText) does not exist") }
                fields[token] = try set(value, at: rest, in: child, pathText, mode: mode)
            }
            return .object(fields)
        case .array(var items):
            if rest.isEmpty {
                if mode == .add {
                    items.insert(value, at: try arrayIndex(token, count: items.count, allowEnd: true, pathText))
                } else {
                    items[try arrayIndex(token, count: items.count, allowEnd: false, pathText)] = value
                }
            } else {
                let i = try arrayIndex(token, count: items.count, allowEnd: false, pathText)
                items[i] = try set(value, at: rest, in: items[i], pathText, mode: mode)
            }
            return .array(items)
        default:
            throw PatchError("path \(pathText) does not exist")
        }
    }

    private static func remove(at path: [String], in doc: JSONValue, _ pathText: String) throws(PatchError) -> (document: JSONValue, removed: JSONValue) {
        guard let token = path.first else { throw PatchError("cannot remove the whole document") }
        let rest = Array(path.dropFirst())
        switch doc {
        case .object(var fields):
            guard let child = fields[token] else { throw PatchError("unable to remove nonexistent key: \(pathText)") }
            if rest.isEmpty {
                fields.removeValue(forKey: token)
                return (.object(fields), child)
            }
            let (updated, removed) = try remove(at: rest, in: child, pathText)
            fields[token] = updated
            return (.object(fields), removed)
        case .array(var items):
            let i = try arrayIndex(token, count: items.count, allowEnd: false, pathText)
            if rest.isEmpty {
                let removed = items.remove(at: i)
                return (.array(items), removed)
            }
            let (updated, removed) = try remove(at: rest, in: items[i], pathText)
            items[i] = updated
            return (.array(items), removed)
        default:
            throw PatchError("unable to remove nonexistent key: \(pathText)")
        }
    }
}

extension JSONValue {
    /// How many arrays and objects nest at the deepest point (a scalar is 0, `{}` is 1), counted
    /// no further than `limit`, so measuring a hostile value costs at most `limit` levels of recursion.
    func nestingDepth(upTo limit: Int) -> Int {
        guard limit > 0 else { return 0 }
        switch self {
        case .object(let fields):
            var deepest = 0
            for value in fields.values where deepest < limit - 1 {
                deepest = Swift.max(deepest, value.nestingDepth(upTo: limit - 1))
            }
            return 1 + deepest
        case .array(let items):
            var deepest = 0
            for value in items where deepest < limit - 1 {
                deepest = Swift.max(deepest, value.nestingDepth(upTo: limit - 1))
            }
            return 1 + deepest
        default:
            return 0
        }
    }
}
