import SkiffAPI
import Synchronization

/// `/openapi/v3` documents per group version, built once from the registry by `OpenAPIBuilder`.
final class OpenAPICache: Sendable {
    private let registry: ResourceRegistry
    private let built: Mutex<[String: (bytes: [UInt8], hash: String)]> = Mutex([:])

    init(registry: ResourceRegistry) { self.registry = registry }

    /// "api/v1" / "apis/apps/v1".
    static func path(group: String, version: String) -> String { group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)" }

    func index() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for gv in registry.groupVersions {
            for version in gv.versions {
                let path = Self.path(group: gv.group, version: version)
                guard let entry = build(path) else { continue }
                paths[path] = .object(["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(entry.hash)")])
            }
        }
        return .object(["paths": .object(paths)])
    }

    func document(groupVersionPath: String) -> [UInt8]? { build(groupVersionPath)?.bytes }

    private func build(_ path: String) -> (bytes: [UInt8], hash: String)? {
        if let cached = built.withLock({ $0[path] }) { return cached }
        let parts = path.split(separator: "/").map(String.init)
        let group: String
        let version: String
        if parts.count == 2, parts[0] == "api" { group = ""; version = parts[1] }
        else if parts.count == 3, parts[0] == "apis" { group = parts[1]; version = parts[2] }
        else { return nil }
        guard registry.servesGroupVersion(group: group, version: version) else { return nil }
        let resources = registry.resources(group: group, version: version).map {
            OpenAPIResource(group: $0.group, version: $0.version, kind: $0.kind, plural: $0.plural, namespaced: $0.namespaced,
                            verbs: $0.verbs, subresources: $0.subresources.map(\.rawValue))
        }
        let doc = OpenAPIBuilder.document(group: group, version: version, resources: resources)
        let entry = (bytes: doc.serialized(), hash: OpenAPIBuilder.hash(of: doc))
        built.withLock { $0[path] = entry }
        return entry
    }
}
