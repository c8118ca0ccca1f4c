/// Unknown-field detection and pruning for custom resources against their CRD's structural
/// `openAPIV3Schema` (as JSON), following Kubernetes' pruning rules: `properties` name the known
/// fields, `additionalProperties` (a schema or `true`) allows any key, `x-kubernetes-preserve-unknown-fields`
/// keeps everything below it, `x-kubernetes-embedded-resource` allows apiVersion/kind/metadata,
/// and at the root `apiVersion`, `kind` and `metadata` (checked as ObjectMeta) are always allowed.
public enum StructuralSchema {
    /// Paths of fields the schema does not allow, in strict-decoding form (`spec.foo`, `spec.items[0].bar`).
    public static func unknownFields(in object: JSONValue, schema: JSONValue, catalog: SchemaCatalog = .shared) -> [String] {
        var result: [String] = []
        walk(object, schema: schema, path: "", root: true, catalog: catalog, prune: false, into: &result)
        return result
    }

    /// `object` with every field `unknownFields` would report removed.
    public static func pruned(_ object: JSONValue, schema: JSONValue, catalog: SchemaCatalog = .shared) -> JSONValue {
        var ignored: [String] = []
        return walk(object, schema: schema, path: "", root: true, catalog: catalog, prune: true, into: &ignored)
    }


    @discardableResult
    private static func walk(_ value: JSONValue, schema: JSONValue, path: String, root: Bool, catalog: SchemaCatalog,
                             prune: Bool, into result: inout [String]) -> JSONValue {
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        let embedded = schema["x-kubernetes-embedded-resource"]?.boolValue == true
        switch value {
        case .object(let fields):
            let properties = schema["properties"]?.objectValue
            let additional = schema["additionalProperties"]
            var out: [String: JSONValue] = [:]
            for key in fields.keys.sorted() {
                guard let v = fields[key] else { continue }
                let child = path.isEmpty ? key : path + "." + key
                if (root || embedded) && (key == "apiVersion" || key == "kind") {
                    out[key] = v
                } else if (root || embedded) && key == "metadata" {
                    out[key] = checkMetadata(v, path: child, catalog: catalog, prune: prune, into: &result)
                } else if let sub = properties?[key] {
                    out[key] = walk(v, schema: sub, path: child, root: false, catalog: catalog, prune: prune, into: &result)
                } else if let additional, case .object = additional {
                    out[key] = walk(v, schema: additional, path: child, root: false, catalog: catalog, prune: prune, into: &result)
                } else if additional?.boolValue == true || preserve {
                    out[key] = v
                } else {
                    result.append(child)
                }
            }
            return .object(out)
        case .array(let items):
            guard let itemSchema = schema["items"], case .object = itemSchema else { return value }
            return .array(items.enumerated().map { i, item in
                walk(item, schema: itemSchema, path: "\(path)[\(i)]", root: false, catalog: catalog, prune: prune, into: &result)
            })
        default:
            return value
        }
    }

    private static func checkMetadata(_ value: JSONValue, path: String, catalog: SchemaCatalog, prune: Bool,
                                      into result: inout [String]) -> JSONValue {
        // Check metadata as an ObjectMeta through a wrapper object so paths come out as "metadata.x".
        let wrapperKind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
        let wrapped: JSONValue = .object(["metadata": value])
        for p in catalog.unknownFields(in: wrapped, kind: wrapperKind) {
            result.append(path + p.dropFirst("metadata".count))
        }
        return catalog.pruned(wrapped, kind: wrapperKind)["metadata"] ?? value
    }
}
