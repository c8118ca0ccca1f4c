import SkiffAPI
import Synchronization

/// Every served resource, once. Lookup by (group, version, plural) for routing and by
/// group/kind for the rest. Custom resources are added and removed at run time: every change
/// happens under one lock, so a request sees the registry before or after it, never half of it,
/// and `revision` tells derived caches (OpenAPI documents) to rebuild.
public final class ResourceRegistry: Sendable {
    private struct State {
        var resources: [ResourceInfo] = []
        var byPath: [String: ResourceInfo] = [:]
        /// Group versions in serving order, preferred version first within a group.
        var groupVersions: [(group: String, versions: [String])] = []
        var revision = 0
    }
    private let state: Mutex<State>

    public init(resources: [ResourceInfo], groupVersions: [(group: String, versions: [String])]) {
        var s = State()
        s.groupVersions = groupVersions
        for r in resources {
            s.resources.append(r)
            s.byPath[Self.path(r.group, r.version, r.plural)] = r
        }
        state = Mutex(s)
    }

    /// The built-in Kubernetes resources Skiff serves.
    public static func builtin() -> ResourceRegistry {
        ResourceRegistry(resources: BuiltinResources.all, groupVersions: BuiltinResources.groupVersions)
    }

    public var all: [ResourceInfo] { state.withLock { $0.resources } }
    /// Resources with their own stored objects (a version served by conversion shares another's).
    public var persisted: [ResourceInfo] { all.filter { $0.persisted && $0.storageVersion == nil } }

    public var groupVersions: [(group: String, versions: [String])] { state.withLock { $0.groupVersions } }

    public func resource(group: String, version: String, plural: String) -> ResourceInfo? {
        state.withLock { $0.byPath[Self.path(group, version, plural)] }
    }

    public func resources(group: String, version: String) -> [ResourceInfo] {
        all.filter { $0.group == group && $0.version == version }
    }

    public func resource(for gvk: GroupVersionKind) -> ResourceInfo? {
        all.first { $0.group == gvk.group && $0.version == gvk.version && $0.kind == gvk.kind }
    }

    public func servesGroupVersion(group: String, version: String) -> Bool {
        groupVersions.contains { $0.group == group && $0.versions.contains(version) }
    }

    /// Increases with every `add` and `remove`.
    public var revision: Int { state.withLock { $0.revision } }

    /// Serves `resource`, replacing an entry with the same group, version and plural. A new
    /// version of a known group is served after the group's existing versions; a new group
    /// after all others.
    public func add(_ resource: ResourceInfo) {
        state.withLock { s in
            let path = Self.path(resource.group, resource.version, resource.plural)
            if s.byPath[path] != nil {
                s.resources.removeAll { Self.path($0.group, $0.version, $0.plural) == path }
            }
            s.resources.append(resource)
            s.byPath[path] = resource
            if let index = s.groupVersions.firstIndex(where: { $0.group == resource.group }) {
                if !s.groupVersions[index].versions.contains(resource.version) {
                    s.groupVersions[index].versions.append(resource.version)
                }
            } else {
                s.groupVersions.append((group: resource.group, versions: [resource.version]))
            }
            s.revision += 1
        }
    }

    /// Stops serving one resource and returns it; a group version left without resources is
    /// no longer served. Nil when nothing was served there.
    @discardableResult
    public func remove(group: String, version: String, plural: String) -> ResourceInfo? {
        state.withLock { s in
            let path = Self.path(group, version, plural)
            guard let removed = s.byPath.removeValue(forKey: path) else { return nil }
            s.resources.removeAll { Self.path($0.group, $0.version, $0.plural) == path }
            if !s.resources.contains(where: { $0.group == group && $0.version == version }),
               let index = s.groupVersions.firstIndex(where: { $0.group == group }) {
                s.groupVersions[index].versions.removeAll { $0 == version }
                if s.groupVersions[index].versions.isEmpty { s.groupVersions.remove(at: index) }
            }
            s.revision += 1
            return removed
        }
    }

    private static func path(_ group: String, _ version: String, _ plural: String) -> String { "\(group)/\(version)/\(plural)" }
}
