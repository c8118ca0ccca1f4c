/// Defaulting of custom resources from their structural schema, as kube-apiserver does it on
/// every decode (create, update, and reading from storage): a `default` fills an absent
/// property, and a `null` in a property that is neither nullable nor free-form is dropped first
/// (so its default applies). Defaults are applied top-down, so a defaulted object gets the
/// defaults of its own properties too. Runs after pruning.
public enum SchemaDefaulter {
    public static func apply(_ object: inout JSONValue, schema: JSONValue) {
        walk(&object, schema: schema)
    }

    private static func walk(_ value: inout JSONValue, schema: JSONValue) {
        switch value {
        case .object(var fields):
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, sub) in properties {
                if let current = fields[key], current.isNull, sub["nullable"]?.boolValue != true, sub["default"] != nil {
                    fields[key] = nil
                }
                if fields[key] == nil, let d = sub["default"], !d.isNull || sub["nullable"]?.boolValue == true {
                    fields[key] = d
                }
            }
            for key in Array(fields.keys) {
                guard var child = fields[key] else { continue }
                if let sub = properties[key] {
                    walk(&child, schema: sub)
                } else if let additional = schema["additionalProperties"], case .object = additional {
                    walk(&child, schema: additional)
                } else {
                    continue
                }
                fields[key] = child
            }
            value = .object(fields)
        case .array(var items):
            guard let itemSchema = schema["items"], case .object = itemSchema else { return }
            for i in items.indices {
                if items[i].isNull, itemSchema["nullable"]?.boolValue != true, let d = itemSchema["default"] { items[i] = d }
                walk(&items[i], schema: itemSchema)
            }
            value = .array(items)
        default:
            return
        }
    }
}
