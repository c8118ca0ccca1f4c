import SkiffAPI
import Synchronization

/// The thread-safe store behind an informer (client-go's `cache.Indexer`): decoded objects by
/// key ("ns/name" or "name") plus the indices. Readers (listers) never wait for the informer
/// task beyond a short lock; objects are immutable values shared, never copied per reader.
public final class ObjectCache<T: APIObject>: Sendable {
    struct State {
        var items: [String: T] = [:]
        var indexers: [String: Index<T>] = [:]
        /// index name → value → keys
        var indices: [String: [String: Set<String>]] = [:]
    }

    private let state: Mutex<State>

    public init(indexers: [Index<T>] = []) {
        var s = State()
        for i in indexers {
            s.indexers[i.name] = i
            s.indices[i.name] = [:]
        }
        state = Mutex(s)
    }

    /// Adds an index; existing objects are indexed at once.
    public func addIndex(_ index: Index<T>) {
        state.withLock { s in
            guard s.indexers[index.name] == nil else { return }
            s.indexers[index.name] = index
            var values: [String: Set<String>] = [:]
            for (key, o) in s.items { for v in index.values(o) { values[v, default: []].insert(key) } }
            s.indices[index.name] = values
        }
    }

    public static func key(of object: T) -> String { ObjectKey.of(object).description }

    /// Inserts or replaces; returns the previous object.
    @discardableResult
    func upsert(_ object: T) -> T? {
        let key = Self.key(of: object)
        return state.withLock { s in
            let old = s.items.updateValue(object, forKey: key)
            Self.reindex(&s, key: key, old: old, new: object)
            return old
        }
    }

    /// Removes; returns the removed object.
    @discardableResult
    func remove(key: String) -> T? {
        state.withLock { s in
            guard let old = s.items.removeValue(forKey: key) else { return nil }
            Self.reindex(&s, key: key, old: old, new: nil)
            return old
        }
    }

    /// Replaces everything (a relist); returns the previous contents.
    func replace(with objects: [T]) -> [String: T] {
        var items: [String: T] = [:]
        items.reserveCapacity(objects.count)
        for o in objects { items[Self.key(of: o)] = o }
        return state.withLock { s in
            let old = s.items
            s.items = items
            for (name, index) in s.indexers {
                var values: [String: Set<String>] = [:]
                for (key, o) in items { for v in index.values(o) { values[v, default: []].insert(key) } }
                s.indices[name] = values
            }
            return old
        }
    }

    private static func reindex(_ s: inout State, key: String, old: T?, new: T?) {
        for (name, index) in s.indexers {
            let before = old.map(index.values) ?? []
            let after = new.map(index.values) ?? []
            if before == after { continue }
            for v in before where !after.contains(v) {
                s.indices[name]?[v]?.remove(key)
                if s.indices[name]?[v]?.isEmpty == true { s.indices[name]?[v] = nil }
            }
            for v in after where !before.contains(v) { s.indices[name, default: [:]][v, default: []].insert(key) }
        }
    }

    // MARK: reads

    public func get(key: String) -> T? { state.withLock { $0.items[key] } }
    public func get(_ key: ObjectKey) -> T? { get(key: key.description) }
    public var count: Int { state.withLock { $0.items.count } }
    public func list() -> [T] { state.withLock { Array($0.items.values) } }
    public func keys() -> [String] { state.withLock { Array($0.items.keys) } }

    /// Objects filed under `value` in the named index; empty for an unknown index.
    public func byIndex(_ indexName: String, _ value: String) -> [T] {
        state.withLock { s in
            guard let keys = s.indices[indexName]?[value] else { return [] }
            return keys.compactMap { s.items[$0] }
        }
    }

    /// The values present in the named index.
    public func indexValues(_ indexName: String) -> [String] {
        state.withLock { Array(($0.indices[indexName] ?? [:]).keys) }
    }

    func hasIndex(_ name: String) -> Bool { state.withLock { $0.indexers[name] != nil } }
}
