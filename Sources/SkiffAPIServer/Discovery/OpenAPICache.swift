import Crypto
import SkiffAPI
import Synchronization

/// `/openapi/v3` documents per group version, built once from the registry by `OpenAPIBuilder`.
final class OpenAPICache: Sendable {
    private let registry: ResourceRegistry
    /// Documents by path, valid for one registry revision (resources come and go at run time).
    private let built: Mutex<(revision: Int, documents: [String: (bytes: [UInt8], hash: String)])> = Mutex((0, [:]))

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

    /// A stable content hash of a document (uppercase hex SHA-256 of its sorted-key JSON), for
    /// `?hash=` and ETags: equal documents always hash equally.
    static func hash(of document: JSONValue) -> String { hexDigest(document.serialized()) }

    /// Uppercase hex SHA-256, as Kubernetes prints OpenAPI hashes.
    static func hexDigest(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = []
        for byte in SHA256.hash(data: bytes) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private func build(_ path: String) -> (bytes: [UInt8], hash: String)? {
        let revision = registry.revision
        if let cached = built.withLock({ $0.revision == revision ? $0.documents[path] : nil }) { return cached }
        let parts = path.split(separator: "/").map(String.init)
        let group: String
        let version: String
        if parts.count == 2, parts[0] == "api" { group = ""; version = parts[1] }
        else if parts.count == 3, parts[0] == "apis" { group = parts[1]; version = parts[2] }
        else { return nil }
        guard registry.servesGroupVersion(group: group, version: version) else { return nil }
        let resources = registry.resources(group: group, version: version).map {
            OpenAPIResource(group: $0.group, version: $0.version, kind: $0.kind, plural: $0.plural, namespaced: $0.namespaced,
                            verbs: $0.verbs, subresources: $0.subresources.map(\.rawValue), schema: $0.strategy.openAPISchema($0))
        }
        let doc = OpenAPIBuilder.document(group: group, version: version, resources: resources)
        let bytes = doc.serialized()
        let entry = (bytes: bytes, hash: Self.hexDigest(bytes))
        built.withLock { cache in
            // A document built from an older registry is served once but not kept.
            guard revision >= cache.revision else { return }
            if revision > cache.revision { cache = (revision, [:]) }
            cache.documents[path] = entry
        }
        return entry
    }
}
