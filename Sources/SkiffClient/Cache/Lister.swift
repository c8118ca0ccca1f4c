import SkiffAPI

/// Read access to an informer's cache (client-go's generated listers): what reconcilers read
/// instead of calling the API server. Results are snapshots; never mutate and write them back
/// without a fresh resourceVersion check (update conflicts tell).
public struct Lister<T: APIObject>: Sendable {
    public let cache: ObjectCache<T>

    public init(cache: ObjectCache<T>) { self.cache = cache }

    public func get(_ key: ObjectKey) -> T? { cache.get(key) }
    public func get(_ name: String, namespace: String = "") -> T? { cache.get(ObjectKey(namespace: namespace, name: name)) }

    /// Objects matching `selector` in `namespace` (all namespaces when nil).
    public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [T] {
        let candidates: [T]
        if let namespace {
            candidates = cache.hasIndex("namespace") ? cache.byIndex("namespace", namespace)
                : cache.list().filter { ($0.metadata?.namespace ?? "") == namespace }
        } else {
            candidates = cache.list()
        }
        guard let selector, !selector.isEverything else { return candidates }
        return candidates.filter { selector.matches($0.metadata?.labels ?? [:]) }
    }

    public func byIndex(_ index: Index<T>, _ value: String) -> [T] { cache.byIndex(index.name, value) }
    public func byIndex(_ indexName: String, _ value: String) -> [T] { cache.byIndex(indexName, value) }
}
