/// Identifies a kind in a served API version. `group` is "" for the core (legacy) group.
public struct GroupVersionKind: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// "v1" for the core group, "apps/v1" otherwise — the form of `apiVersion`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// One entry of a 422 Invalid response's `details.causes`, in Kubernetes' own vocabulary:
/// `reason` is a CauseType such as "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported",
/// "FieldValueDuplicate", "FieldValueForbidden", "FieldValueTooLong"; `field` is the JSON path
/// ("spec.containers[0].image"); `message` is what kubectl prints after the field
/// (e.g. `Required value` or `Invalid value: "Foo": a lowercase RFC 1123 subdomain must …`).
public struct FieldCause: Sendable, Hashable {
    public var reason: String
    public var message: String
    public var field: String

    public init(reason: String, message: String, field: String) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
