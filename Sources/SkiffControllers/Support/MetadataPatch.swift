import SkiffAPI
import SkiffClient

/// Merge patches of owner references and finalizers. Controllers change only these fields
/// of objects they do not own (adoption, release, orphaning), so they patch them instead of
/// PUTting a whole decoded object back; the resourceVersion makes the patch conditional on
/// the cached copy the list was computed from.
enum MetadataPatch {
    /// nil leaves a field alone; an empty list removes it.
    static func make(ownerReferences: [MetaV1.OwnerReference]? = nil, finalizers: [String]? = nil,
                     resourceVersion: String?) -> Patch {
        var meta: [String: JSONValue] = [:]
        if let ownerReferences { meta["ownerReferences"] = ownerReferences.isEmpty ? .null : .array(ownerReferences.map(json)) }
        if let finalizers { meta["finalizers"] = finalizers.isEmpty ? .null : .array(finalizers.map { .string($0) }) }
        if let resourceVersion, !resourceVersion.isEmpty { meta["resourceVersion"] = .string(resourceVersion) }
        return Patch(.merge, .object(["metadata": .object(meta)]))
    }

    static func json(_ r: MetaV1.OwnerReference) -> JSONValue {
        var o: [String: JSONValue] = [
            "apiVersion": .string(r.apiVersion ?? ""), "kind": .string(r.kind ?? ""),
            "name": .string(r.name ?? ""), "uid": .string(r.uid ?? ""),
        ]
        if let c = r.controller { o["controller"] = .bool(c) }
        if let b = r.blockOwnerDeletion { o["blockOwnerDeletion"] = .bool(b) }
        return .object(o)
    }
}
