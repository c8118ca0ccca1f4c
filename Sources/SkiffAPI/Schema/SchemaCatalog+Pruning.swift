extension SchemaCatalog {
    /// `object` without the fields `unknownFields(in:kind:)` reports — what Kubernetes stores after
    /// decoding into its typed structures with `fieldValidation=Ignore` or `Warn`. Unknown kinds are returned unchanged.
    public func pruned(_ object: JSONValue, kind: GroupVersionKind) -> JSONValue {
        guard let def = definition(for: kind) else { return object }
        return prune(object, definition: def)
    }

    private func prune(_ value: JSONValue, definition def: SchemaDefinition) -> JSONValue {
        guard def.kind == .object, !def.properties.isEmpty, case .object(let fields) = value else { return value }
        var out: [String: JSONValue] = [:]
        for (key, v) in fields {
            guard let property = def.property(named: key) else { continue }
            out[key] = prune(v, type: property.type)
        }
        return .object(out)
    }

    private func prune(_ value: JSONValue, type: SchemaType) -> JSONValue {
        switch (type, value) {
        case (.reference(let name), _):
            guard let def = definitions[name] else { return value }
            return prune(value, definition: def)
        case (.array(let element), .array(let items)):
            return .array(items.map { prune($0, type: element) })
        case (.map(let element), .object(let entries)):
            return .object(entries.mapValues { prune($0, type: element) })
        default:
            return value
        }
    }
}
