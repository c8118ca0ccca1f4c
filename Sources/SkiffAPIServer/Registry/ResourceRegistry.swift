import SkiffAPI
import Synchronization

/// Every served resource, once. Lookup by (group, version, plural) for routing and by
/// group/kind for the rest. Custom resources may be added at run time.
public final class ResourceRegistry: Sendable {
    private struct State {
        var resources: [ResourceInfo] = []
        var byPath: [String: ResourceInfo] = [:]
        /// Group versions in serving order, preferred version first within a group.
        var groupVersions: [(group: String, versions: [String])] = []
    }
    private let state: Mutex<State>

    public init(resources: [ResourceInfo], groupVersions: [(group: String, versions: [String])]) {
        var s = State()
        s.groupVersions = groupVersions
        for r in resources {
            s.resources.append(r)
            s.byPath["\(r.group)/\(r.version)/\(r.plural)"] = r
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
        state.withLock { $0.byPath["\(group)/\(version)/\(plural)"] }
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
}
