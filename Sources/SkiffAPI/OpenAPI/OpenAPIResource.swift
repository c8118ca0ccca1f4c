/// One served resource, as the OpenAPI v3 document of its group/version describes it.
public struct OpenAPIResource: Sendable, Equatable {
    /// "" for the core group.
    public var group: String
    public var version: String
    public var kind: String
    /// Lower-case plural used in URLs ("deployments").
    public var plural: String
    public var namespaced: Bool
    /// Kubernetes verbs: get, list, watch, create, update, patch, delete, deletecollection.
    public var verbs: [String]
    /// Subresource names: status, scale, binding, eviction, token, ephemeralcontainers, resize, …
    public var subresources: [String]
    /// The schema of a kind the catalog does not know (a custom resource's `openAPIV3Schema`);
    /// nil for built-in kinds. Without either, the kind is described as a free-form object.
    public var schema: JSONValue?

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool,
                verbs: [String], subresources: [String] = [], schema: JSONValue? = nil) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
        self.verbs = verbs
        self.subresources = subresources
        self.schema = schema
    }

    public var groupVersionKind: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
}
