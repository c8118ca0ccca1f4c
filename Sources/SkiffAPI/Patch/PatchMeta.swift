/// Where strategic merge patch stands in the schema: a structure, a map of values, or free-form JSON.
/// Mirrors apimachinery's `LookupPatchMeta` over the catalog's `x-kubernetes-patch-*` extensions.
struct PatchMeta {
    enum Node {
        case definition(SchemaDefinition)
        /// additionalProperties: every key has this value type.
        case map(SchemaType)
        /// Free-form JSON: no patch metadata anywhere below.
        case any
    }

    let catalog: SchemaCatalog
    let node: Node

    /// The field's schema (for a list: its element's), its patch strategies and merge key.
    struct Field {
        var meta: PatchMeta
        var strategies: [String]
        var mergeKey: String
    }

    init(catalog: SchemaCatalog, node: Node) {
        self.catalog = catalog
        self.node = node
    }

    init(catalog: SchemaCatalog, type: SchemaType) {
        self.init(catalog: catalog, node: PatchMeta.node(for: type, in: catalog))
    }

    private static func node(for type: SchemaType, in catalog: SchemaCatalog) -> Node {
        switch type {
        case .reference(let name):
            if let def = catalog.definition(named: name), def.kind == .object, !def.properties.isEmpty {
                return .definition(def)
            }
            return .any
        case .map(let element):
            return .map(element)
        case .array(let element):
            return node(for: element, in: catalog)
        default:
            return .any
        }
    }

    var name: String {
        switch node {
        case .definition(let d): d.name
        case .map: "map"
        case .any: "object"
        }
    }

    /// Metadata of field `key`. Throws like apimachinery when a structure has no such field.
    func lookup(_ key: String) throws(PatchError) -> Field {
        switch node {
        case .definition(let def):
            guard let property = def.property(named: key) else {
                let typeName = def.name.split(separator: ".").last.map(String.init) ?? def.name
                throw PatchError("unable to find api field in struct \(typeName) for the json field \"\(key)\"")
            }
            return Field(meta: PatchMeta(catalog: catalog, type: property.type),
                         strategies: property.patchStrategies, mergeKey: property.patchMergeKey ?? "")
        case .map(let element):
            return Field(meta: PatchMeta(catalog: catalog, type: element), strategies: [], mergeKey: "")
        case .any:
            return Field(meta: self, strategies: [], mergeKey: "")
        }
    }
}

/// Splits "retainKeys" from the other patch strategy, like apimachinery's extractRetainKeysPatchStrategy.
func extractRetainKeysPatchStrategy(_ strategies: [String]) throws(PatchError) -> (retainKeys: Bool, strategy: String) {
    switch strategies.count {
    case 0: return (false, "")
    case 1: return strategies[0] == "retainKeys" ? (true, "") : (false, strategies[0])
    case 2:
        if strategies[0] == "retainKeys" { return (true, strategies[1]) }
        if strategies[1] == "retainKeys" { return (true, strategies[0]) }
        throw PatchError("unexpected patch strategy: \(strategies)")
    default:
        throw PatchError("unexpected patch strategy: \(strategies)")
    }
}
