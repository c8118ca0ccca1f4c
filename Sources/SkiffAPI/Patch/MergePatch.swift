/// JSON merge patch (RFC 7386), as `kubectl label/annotate/scale` and `--type merge` send it.
public enum MergePatch {
    /// Applies `patch` to `document`: objects merge recursively, `null` removes a key, anything else replaces.
    public static func apply(_ patch: JSONValue, to document: JSONValue) -> JSONValue {
        guard case .object(let patchFields) = patch else { return patch }
        var target: [String: JSONValue]
        if case .object(let fields) = document { target = fields } else { target = [:] }
        for (key, value) in patchFields {
            if case .null = value {
                target.removeValue(forKey: key)
            } else {
                target[key] = apply(value, to: target[key] ?? .null)
            }
        }
        return .object(target)
    }
}
