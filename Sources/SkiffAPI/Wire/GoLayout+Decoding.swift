/// What Go's encoding/json refuses when kube-apiserver decodes a body into the Go struct: a value
/// whose JSON type does not fit its field (`"data":"x"` for a ConfigMap's map, `"replicas":"3"`).
/// kube-apiserver answers these with 400 (create/update) or 422 (a patch whose result does not
/// decode); without the check such a value would be stored and break every typed client.
extension GoLayout {
    /// The decoder's error for the first misfit value of a built-in object (keys in sorted order,
    /// so the answer is stable), or nil when it decodes. `null` fits every field, as in Go.
    package static func decodingError(in object: JSONValue) -> String? {
        guard case .object(let fields) = object, let layout = forObject(fields) else { return nil }
        return layout.decodingError(fields, path: "")
    }

    func decodingError(_ fields: [String: JSONValue], path: String) -> String? {
        for key in fields.keys.sorted() {
            guard let i = index[key], let value = fields[key] else { continue }
            let field = self.fields[i]
            let fieldPath = path.isEmpty ? key : path + "." + key
            switch field.container {
            case .slice:
                if value.isNull { continue }
                guard case .array(let items) = value else { return misfit(value, field, fieldPath) }
                for item in items {
                    if let error = element(item, field, fieldPath) { return error }
                }
            case .map:
                if value.isNull { continue }
                guard case .object(let entries) = value else { return misfit(value, field, fieldPath) }
                for key in entries.keys.sorted() {
                    if let item = entries[key], let error = element(item, field, fieldPath) { return error }
                }
            case .none, .pointer:
                if let error = element(value, field, fieldPath) { return error }
            }
        }
        return nil
    }

    /// One value of the field's element type.
    private func element(_ value: JSONValue, _ field: Field, _ path: String) -> String? {
        switch (field.encoding, value) {
        case (_, .null): return nil
        case (.string, .string), (.bytes, .string), (.duration, .string), (.bool, .bool),
             (.number, .int), (.number, .double), (.quantity, .string), (.quantity, .int), (.quantity, .double),
             (.intOrString, .string), (.intOrString, .int), (.nullStruct, _):
            return nil
        case (.structure, .object(let o)):
            // A polymorphic union (a JSON Schema's items) also takes arrays; those stay as they are.
            return field.child >= 0 ? GoLayout.all[field.child].decodingError(o, path: path) : nil
        case (.structure, .array), (.structure, .bool):
            return field.isSchemaUnion ? nil : misfit(value, field, path, element: true)
        default:
            return misfit(value, field, path, element: true)
        }
    }

    /// `json: cannot unmarshal string into Go struct field ConfigMap.data of type map[string]string`.
    private func misfit(_ value: JSONValue, _ field: Field, _ path: String, element: Bool = false) -> String {
        let json: String
        switch value {
        case .string: json = "string"
        case .int, .double: json = "number"
        case .bool: json = "bool"
        case .array: json = "array"
        case .object: json = "object"
        case .null: json = "null"
        }
        let structName = name.split(separator: ".").last.map(String.init) ?? name
        return "json: cannot unmarshal \(json) into Go struct field \(structName).\(path) of type \(element ? field.goElementTypeName : field.goTypeName)"
    }
}

extension GoLayout.Field {
    /// A JSON Schema union (JSONSchemaPropsOrArray, …OrBool): a schema, an array or a bool.
    var isSchemaUnion: Bool {
        container == .pointer && child >= 0 && GoLayout.all[child].name.hasSuffix(".JSONSchemaProps")
    }

    /// The Go type as encoding/json names it (`[]v1.Container`, `map[string]string`); integers are
    /// shown as int32, the width most Kubernetes fields have.
    var goTypeName: String {
        switch container {
        case .slice: return "[]" + goElementTypeName
        case .map: return "map[string]" + goElementTypeName
        case .none, .pointer: return goElementTypeName
        }
    }

    /// The type of one element (what Go names when an element of a slice or map does not fit).
    var goElementTypeName: String {
        let element: String
        switch encoding {
        case .string: element = "string"
        case .bool: element = "bool"
        case .number: element = "int32"
        case .bytes: element = "[]uint8"
        case .quantity: element = "resource.Quantity"
        case .intOrString: element = "intstr.IntOrString"
        case .duration: element = "v1.Duration"
        case .nullStruct: element = "v1.Time"
        case .structure:
            let parts = child >= 0 ? GoLayout.all[child].name.split(separator: ".") : []
            element = parts.count >= 2 ? "\(parts[parts.count - 2]).\(parts[parts.count - 1])" : "struct"
        }
        return element
    }
}
