/// Every definition of the served API groups (generated from the Kubernetes 1.37 schema), for
/// strict field validation, strategic merge patch, OpenAPI documents and `kubectl explain`.
/// The data is parsed once, on first use of `shared`; afterwards all lookups are read-only.
public final class SchemaCatalog: Sendable {
    public static let shared = SchemaCatalog(sources: SchemaCatalog.definitionSources)

    /// Definitions by full name (`io.k8s.api.core.v1.Pod`).
    public let definitions: [String: SchemaDefinition]
    private let byKind: [GroupVersionKind: String]

    /// Builds a catalog from text in the line format written by scripts/generate-api-types.py.
    /// Malformed lines are skipped (the generated data is checked by tests).
    public init(sources: [String]) {
        var defs: [String: SchemaDefinition] = [:]
        for source in sources {
            for d in SchemaCatalogParser.parse(source) { defs[d.name] = d }
        }
        var byKind: [GroupVersionKind: String] = [:]
        for (name, d) in defs {
            for gvk in d.groupVersionKinds {
                // Meta types such as DeleteOptions carry a GVK for every group; real kinds win.
                if let existing = byKind[gvk], !existing.hasPrefix("io.k8s.apimachinery.") { continue }
                byKind[gvk] = name
            }
        }
        self.definitions = defs
        self.byKind = byKind
    }

    /// The definition of a served kind (`apps/v1 Deployment` → `io.k8s.api.apps.v1.Deployment`), or nil.
    public func definition(for kind: GroupVersionKind) -> SchemaDefinition? {
        byKind[kind].flatMap { definitions[$0] }
    }

    /// The definition with this full name, or nil.
    public func definition(named name: String) -> SchemaDefinition? {
        definitions[name]
    }

    /// Whether the catalog knows this kind (custom resources are not in it).
    public func hasSchema(for kind: GroupVersionKind) -> Bool {
        byKind[kind] != nil
    }

    /// Every kind the catalog knows.
    public var kinds: [GroupVersionKind] { Array(byKind.keys) }
}
