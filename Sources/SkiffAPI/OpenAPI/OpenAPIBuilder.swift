/// Builds Kubernetes-shaped OpenAPI v3 documents (`/openapi/v3`, `/openapi/v3/apis/<g>/<v>`) from the
/// schema catalog and the served resources, so that `kubectl explain` works and kubectl sees the
/// `fieldValidation` parameter on PATCH (and therefore sends `fieldValidation=Strict`).
public enum OpenAPIBuilder {
    /// The document for one group/version: paths for every resource and `components.schemas` with every
    /// definition those paths reference (transitively).
    public static func document(group: String, version: String, resources: [OpenAPIResource],
                                catalog: SchemaCatalog = .shared) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        var schemas = SchemaCollector(catalog: catalog)
        for name in ["io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList"] { schemas.require(name) }
        for resource in resources where resource.group == group && resource.version == version {
            let kindSchema = schemas.requireKind(resource)
            let listSchema = schemas.requireList(resource)
            let builder = OpenAPIPaths(resource: resource, kindSchema: kindSchema, listSchema: listSchema)
            for (path, item) in builder.pathItems(schemas: &schemas) {
                paths[path] = item
            }
        }
        let title = "Kubernetes"
        return .object([
            "openapi": .string("3.0.0"),
            "info": .object(["title": .string(title), "version": .string("v1.37.1")]),
            "paths": .object(paths),
            "components": .object([
                "schemas": .object(schemas.schemas),
                "securitySchemes": .object([
                    "BearerToken": .object([
                        "description": .string("Bearer Token authentication"),
                        "in": .string("header"),
                        "name": .string("authorization"),
                        "type": .string("apiKey"),
                    ]),
                ]),
            ]),
            "security": .array([.object(["BearerToken": .array([])])]),
        ])
    }

    /// "api/v1" for the core group, "apis/<group>/<version>" otherwise — the key in `/openapi/v3`.
    public static func path(group: String, version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    /// The `/openapi/v3` index: `{"paths": {"apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=…"}}}`.
    public static func index(_ entries: [(group: String, version: String, hash: String)]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for e in entries {
            let p = path(group: e.group, version: e.version)
            paths[p] = .object(["serverRelativeURL": .string("/openapi/v3/\(p)?hash=\(e.hash)")])
        }
        return .object(["paths": .object(paths)])
    }
}

/// Collects `components.schemas`: every definition reachable from the resources' kinds.
struct SchemaCollector {
    let catalog: SchemaCatalog
    private(set) var schemas: [String: JSONValue] = [:]

    init(catalog: SchemaCatalog) { self.catalog = catalog }

    mutating func require(_ name: String) {
        if schemas[name] != nil { return }
        guard let def = catalog.definition(named: name) else { return }
        schemas[name] = .object([:])  // placeholder breaks reference cycles
        var refs: [String] = []
        schemas[name] = OpenAPISchemaConverter.schema(for: def, references: &refs)
        for r in refs { require(r) }
    }

    /// The component name of the resource's kind; custom kinds get their own (reverse-domain) entry.
    mutating func requireKind(_ r: OpenAPIResource) -> String {
        if let def = catalog.definition(for: r.groupVersionKind) {
            require(def.name)
            return def.name
        }
        let name = Self.customName(group: r.group, version: r.version, kind: r.kind)
        if schemas[name] == nil {
            var schema = r.schema?.objectValue ?? ["type": .string("object"), "x-kubernetes-preserve-unknown-fields": .bool(true)]
            var properties = schema["properties"]?.objectValue ?? [:]
            properties["apiVersion"] = properties["apiVersion"] ?? .object(["type": .string("string")])
            properties["kind"] = properties["kind"] ?? .object(["type": .string("string")])
            properties["metadata"] = .object(["allOf": .array([.object(["$ref": .string(ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"))])])])
            schema["properties"] = .object(properties)
            schema["type"] = .string("object")
            schema["x-kubernetes-group-version-kind"] = .array([gvkJSON(r.group, r.version, r.kind)])
            schemas[name] = .object(schema)
            require("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        }
        return name
    }

    mutating func requireList(_ r: OpenAPIResource) -> String {
        let listKind = GroupVersionKind(group: r.group, version: r.version, kind: r.kind + "List")
        if let def = catalog.definition(for: listKind) {
            require(def.name)
            return def.name
        }
        let item = Self.customName(group: r.group, version: r.version, kind: r.kind)
        let name = item + "List"
        if schemas[name] == nil {
            schemas[name] = .object([
                "description": .string("\(r.kind)List is a list of \(r.kind)"),
                "type": .string("object"),
                "required": .array([.string("items")]),
                "properties": .object([
                    "apiVersion": .object(["type": .string("string")]),
                    "kind": .object(["type": .string("string")]),
                    "items": .object(["type": .string("array"), "items": .object(["$ref": .string(ref(requireKind(r)))])]),
                    "metadata": .object(["allOf": .array([.object(["$ref": .string(ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"))])])]),
                ]),
                "x-kubernetes-group-version-kind": .array([gvkJSON(r.group, r.version, r.kind + "List")]),
            ])
            require("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")
        }
        return name
    }

    static func customName(group: String, version: String, kind: String) -> String {
        let reversed = group.split(separator: ".").reversed().joined(separator: ".")
        return [reversed, version, kind].filter { !$0.isEmpty }.joined(separator: ".")
    }
}

func ref(_ name: String) -> String { "#/components/schemas/" + name }

func gvkJSON(_ group: String, _ version: String, _ kind: String) -> JSONValue {
    .object(["group": .string(group), "version": .string(version), "kind": .string(kind)])
}
