/// Converts catalog definitions into OpenAPI v3 schema objects in Kubernetes' own style:
/// references as `allOf: [{$ref}]` with the description beside them, list and patch extensions kept,
/// `x-kubernetes-group-version-kind` on top-level kinds.
enum OpenAPISchemaConverter {
    static func schema(for def: SchemaDefinition, references: inout [String]) -> JSONValue {
        var out: [String: JSONValue] = [:]
        if !def.description.isEmpty { out["description"] = .string(def.description) }
        switch def.kind {
        case .quantity:
            out["oneOf"] = .array([.object(["type": .string("string")]), .object(["type": .string("number")])])
            out["x-kubernetes-int-or-string"] = nil
            return .object(out)
        case .intOrString:
            out["format"] = .string("int-or-string")
            out["x-kubernetes-int-or-string"] = .bool(true)
            return .object(out)
        case .time:
            out["type"] = .string("string")
            out["format"] = .string("date-time")
            return .object(out)
        case .any:
            out["type"] = .string("object")
            out["x-kubernetes-preserve-unknown-fields"] = .bool(true)
            return .object(out)
        case .object:
            break
        }
        out["type"] = .string("object")
        if !def.properties.isEmpty {
            var props: [String: JSONValue] = [:]
            for p in def.properties {
                props[p.name] = property(p, references: &references)
            }
            out["properties"] = .object(props)
        }
        if !def.required.isEmpty { out["required"] = .array(def.required.map(JSONValue.string)) }
        if let mt = def.mapType { out["x-kubernetes-map-type"] = .string(mt) }
        if !def.groupVersionKinds.isEmpty {
            out["x-kubernetes-group-version-kind"] = .array(def.groupVersionKinds.map { gvkJSON($0.group, $0.version, $0.kind) })
        }
        return .object(out)
    }

    static func property(_ p: SchemaProperty, references: inout [String]) -> JSONValue {
        var out: [String: JSONValue]
        if case .reference(let name) = p.type {
            references.append(name)
            out = ["allOf": .array([.object(["$ref": .string(ref(name))])])]
        } else {
            out = type(p.type, references: &references).objectValue ?? [:]
        }
        if !p.description.isEmpty { out["description"] = .string(p.description) }
        if !p.patchStrategies.isEmpty { out["x-kubernetes-patch-strategy"] = .string(p.patchStrategies.joined(separator: ",")) }
        if let mk = p.patchMergeKey { out["x-kubernetes-patch-merge-key"] = .string(mk) }
        if let lt = p.listType { out["x-kubernetes-list-type"] = .string(lt) }
        if !p.listMapKeys.isEmpty { out["x-kubernetes-list-map-keys"] = .array(p.listMapKeys.map(JSONValue.string)) }
        if let mt = p.mapType { out["x-kubernetes-map-type"] = .string(mt) }
        if !p.enumValues.isEmpty { out["enum"] = .array(p.enumValues.map(JSONValue.string)) }
        return .object(out)
    }

    static func type(_ t: SchemaType, references: inout [String]) -> JSONValue {
        switch t {
        case .string(let format):
            var o: [String: JSONValue] = ["type": .string("string")]
            if let format { o["format"] = .string(format) }
            return .object(o)
        case .integer(let format):
            return .object(["type": .string("integer"), "format": .string(format)])
        case .number(let format):
            var o: [String: JSONValue] = ["type": .string("number")]
            if let format { o["format"] = .string(format) }
            return .object(o)
        case .boolean:
            return .object(["type": .string("boolean")])
        case .reference(let name):
            references.append(name)
            return .object(["$ref": .string(ref(name))])
        case .array(let element):
            return .object(["type": .string("array"), "items": type(element, references: &references)])
        case .map(let element):
            return .object(["type": .string("object"), "additionalProperties": type(element, references: &references)])
        case .object:
            return .object(["type": .string("object")])
        case .any:
            return .object(["x-kubernetes-preserve-unknown-fields": .bool(true)])
        }
    }
}
