import SkiffAPI

/// A named index function over cached objects (client-go's `IndexFunc`): the index values an
/// object is filed under. Values must depend only on the object.
public struct Index<T: APIObject>: Sendable {
    public let name: String
    let values: @Sendable (T) -> [String]

    public init(_ name: String, _ values: @escaping @Sendable (T) -> [String]) {
        self.name = name
        self.values = values
    }

    /// By `metadata.namespace` (client-go's `cache.NamespaceIndex`, "namespace").
    public static var namespace: Index<T> {
        Index("namespace") { [$0.metadata?.namespace ?? ""] }
    }

    /// By the UIDs of `metadata.ownerReferences`.
    public static var ownerUID: Index<T> {
        Index("ownerUID") { $0.metadata?.ownerReferences?.compactMap(\.uid) ?? [] }
    }

    /// By the value of one label ("label:<key>"); objects without the label are not indexed.
    public static func label(_ key: String) -> Index<T> {
        Index("label:\(key)") { o in o.metadata?.labels?[key].map { [$0] } ?? [] }
    }
}

extension Index where T == CoreV1.Pod {
    /// Pods by `spec.nodeName` ("" for unscheduled pods), the kubelet's and scheduler's index.
    public static var nodeName: Index<T> {
        Index("spec.nodeName") { [$0.spec?.nodeName ?? ""] }
    }
}
