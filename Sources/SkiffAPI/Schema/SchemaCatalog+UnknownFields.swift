extension SchemaCatalog {
    /// Paths of fields in `object` that the kind's schema does not define, in the form Kubernetes'
    /// strict decoding reports them (`spec.foo`, `spec.template.spec.containers[0].foo`,
    /// `metadata.labels` keys are free, map values are checked as `spec.nodeSelector.key.field`).
    /// `apiVersion` and `kind` are always allowed; values of the wrong JSON type are not reported here
    /// (they are decode errors, not unknown fields); free-form fields (RawExtension, FieldsV1, …)
    /// accept anything. Unknown kinds (custom resources) → []. Paths are sorted within each object.
    public func unknownFields(in object: JSONValue, kind: GroupVersionKind) -> [String] {
        guard let def = definition(for: kind) else { return [] }
        var result: [String] = []
        collectUnknown(object, definition: def, path: "", into: &result)
        return result
    }

    private func collectUnknown(_ value: JSONValue, definition def: SchemaDefinition, path: String, into result: inout [String]) {
        guard def.kind == .object, !def.properties.isEmpty, case .object(let fields) = value else { return }
        for key in fields.keys.sorted() {
            let child = path.isEmpty ? key : path + "." + key
            guard let property = def.property(named: key) else {
                result.append(child)
                continue
            }
            if let v = fields[key] { collectUnknown(v, type: property.type, path: child, into: &result) }
        }
    }

    private func collectUnknown(_ value: JSONValue, type: SchemaType, path: String, into result: inout [String]) {
        switch type {
        case .reference(let name):
            if let def = definitions[name] { collectUnknown(value, definition: def, path: path, into: &result) }
        case .array(let element):
            guard case .array(let items) = value else { return }
            for (i, item) in items.enumerated() {
                collectUnknown(item, type: element, path: "\(path)[\(i)]", into: &result)
            }
        case .map(let element):
            guard case .object(let entries) = value else { return }
            for key in entries.keys.sorted() {
                if let v = entries[key] { collectUnknown(v, type: element, path: path + "." + key, into: &result) }
            }
        default:
            return
        }
    }
}
