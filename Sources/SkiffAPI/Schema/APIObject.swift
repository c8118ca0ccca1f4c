/// A generated top-level kind with `ObjectMeta` (Pod, Deployment, …): what generic code
/// (registries, clients, informers) needs to know about any object without knowing its type.
public protocol APIObject: Codable, Sendable, Equatable {
    /// The one group/version/kind this Swift type is served as.
    static var groupVersionKind: GroupVersionKind { get }
    var apiVersion: String? { get set }
    var kind: String? { get set }
    var metadata: MetaV1.ObjectMeta? { get set }
}

extension APIObject {
    /// Sets `apiVersion` and `kind` from the type's group/version/kind (they are optional on decode).
    public mutating func setTypeMeta() {
        apiVersion = Self.groupVersionKind.apiVersion
        kind = Self.groupVersionKind.kind
    }
}
