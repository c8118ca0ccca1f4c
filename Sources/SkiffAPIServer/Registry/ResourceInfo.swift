import SkiffAPI

/// One served resource: everything discovery, OpenAPI, routing and the watch caches derive from.
public struct ResourceInfo: Sendable, Hashable {
    public enum Subresource: String, Sendable, Hashable, CaseIterable {
        case status, scale, binding, eviction, token, approval, log, exec, attach, portforward, proxy,
             ephemeralcontainers, resize, finalize
    }

    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    public var verbs: [String]
    public var categories: [String]
    public var subresources: [Subresource]
    /// False for request-only kinds (reviews): served for `create` only, never stored.
    public var persisted: Bool
    /// Set when this version is served by converting to and from another version of the same
    /// resource, which is the one stored (autoscaling/v1 HorizontalPodAutoscalers are stored as v2).
    public var storageVersion: String?
    /// The kind's rules (defaulting, validation, status, deletion, subresources, Table, conversion).
    /// Not part of equality: two entries serving the same resource the same way are equal.
    var strategy: any ResourceStrategy = DefaultStrategy()

    public init(group: String, version: String, kind: String, plural: String, singular: String,
                shortNames: [String] = [], namespaced: Bool, verbs: [String] = ResourceInfo.allVerbs,
                categories: [String] = [], subresources: [Subresource] = [], persisted: Bool = true,
                storageVersion: String? = nil) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.verbs = verbs
        self.categories = categories
        self.subresources = subresources
        self.persisted = persisted
        self.storageVersion = storageVersion
    }

    /// This entry with `strategy` as its rules.
    func with(_ strategy: any ResourceStrategy) -> ResourceInfo {
        var copy = self
        copy.strategy = strategy
        return copy
    }

    public static func == (a: ResourceInfo, b: ResourceInfo) -> Bool {
        a.group == b.group && a.version == b.version && a.kind == b.kind && a.plural == b.plural && a.singular == b.singular
            && a.shortNames == b.shortNames && a.namespaced == b.namespaced && a.verbs == b.verbs && a.categories == b.categories
            && a.subresources == b.subresources && a.persisted == b.persisted && a.storageVersion == b.storageVersion
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(group)
        hasher.combine(version)
        hasher.combine(plural)
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public var gvk: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
    public var apiVersion: String { gvk.apiVersion }
    public var listKind: String { kind + "List" }
    /// "deployments.apps" — the name Kubernetes uses in messages.
    public var qualifiedPlural: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// Store prefix of every object of this resource: `/registry/<group|core>/<plural>/`.
    public var keyPrefix: String { "/registry/\(group.isEmpty ? "core" : group)/\(plural)/" }

    /// The store key of one object.
    public func key(namespace: String?, name: String) -> String {
        if namespaced, let namespace { return "\(keyPrefix)\(namespace)/\(name)" }
        return "\(keyPrefix)\(name)"
    }

    /// Prefix of one namespace's objects (or of all objects when `namespace` is nil).
    public func keyPrefix(namespace: String?) -> String {
        guard namespaced, let namespace, !namespace.isEmpty else { return keyPrefix }
        return "\(keyPrefix)\(namespace)/"
    }

    public func has(_ subresource: Subresource) -> Bool { subresources.contains(subresource) }

    /// URL path of the collection (namespace nil → all namespaces).
    public func collectionPath(namespace: String?) -> String {
        let base = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { return "\(base)/namespaces/\(namespace)/\(plural)" }
        return "\(base)/\(plural)"
    }
}
