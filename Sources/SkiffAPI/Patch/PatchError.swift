/// Why a patch could not be applied. The API server maps `reason` to the HTTP status:
/// `.badRequest` → 400 (malformed patch document), `.invalid` → 422 (the patch does not apply,
/// e.g. a failed JSON-patch `test` or a missing path), `.unsupportedMediaType` → 415
/// (strategic merge patch on a kind without a schema, such as a custom resource), `.tooLarge` →
/// 413 (more JSON-patch operations than kube-apiserver's `maxJSONPatchOperations`).
public struct PatchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, Equatable {
        case badRequest
        case invalid
        case unsupportedMediaType
        case tooLarge
    }

    public var message: String
    public var reason: Reason

    public init(_ message: String, reason: Reason = .invalid) {
        self.message = message
        self.reason = reason
    }

    public init(message: String) {
        self.init(message, reason: .invalid)
    }

    public var description: String { message }
}

extension JSONValue {
    /// Equality as JSON sees it: 1 and 1.0 are the same number.
    func jsonEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case let (.int(a), .double(b)), let (.double(b), .int(a)): return Double(a) == b
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.jsonEquals($1) }
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (k, v) in a {
                guard let w = b[k], v.jsonEquals(w) else { return false }
            }
            return true
        default: return self == other
        }
    }

    /// Short rendering for error messages.
    var briefDescription: String {
        let text = String(decoding: serialized(), as: UTF8.self)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
