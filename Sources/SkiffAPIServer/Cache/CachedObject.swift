import SkiffAPI
import Synchronization

/// One object as the watch cache keeps it: the wire JSON (with `metadata.resourceVersion` set to
/// the store mod revision) encoded once, plus what selectors look at.
///
/// Memory matters here (every stored object lives in a cache): the JSON is kept in an exactly
/// sized buffer, and the selectable fields and labels share one flat `[String]` instead of two
/// dictionaries (~1 KiB less per pod). `labels` and `fields` rebuild the dictionaries on demand,
/// which only selector matching needs.
struct CachedObject: Sendable {
    var key: String
    var namespace: String
    var name: String
    /// Wire JSON, ready to send as is.
    var bytes: [UInt8]
    var modRevision: Int64
    /// The resource's selectable field names (one shared array per resource).
    private var fieldNames: [String]
    /// The values of `fieldNames`, in order, then label keys and values alternately.
    private var selectable: [String]

    /// Decodes a stored value and sets `resourceVersion` to `revision`.
    static func decode(key: String, value: [UInt8], revision: Int64, resource: ResourceInfo) -> CachedObject? {
        guard var object = try? JSONValue.parse(value) else { return nil }
        object.setResourceVersion(revision)
        return CachedObject(object: object, key: key, revision: revision, resource: resource)
    }

    init(object: JSONValue, key: String, revision: Int64, resource: ResourceInfo) {
        self.key = key
        let metadata = object["metadata"]
        namespace = metadata?["namespace"]?.stringValue ?? ""
        name = metadata?["name"]?.stringValue ?? ""
        bytes = Self.exactCopy(object.serialized())
        modRevision = revision
        fieldNames = SelectableFields.names(resource)
        let fields = SelectableFields.extract(from: object, resource: resource)
        let labels = metadata?["labels"]?.objectValue ?? [:]
        var selectable: [String] = []
        selectable.reserveCapacity(fieldNames.count + 2 * labels.count)
        for name in fieldNames { selectable.append(fields[name] ?? "") }
        for (k, v) in labels {
            selectable.append(k)
            selectable.append(v.stringValue ?? "")
        }
        self.selectable = selectable
    }

    var object: JSONValue { (try? JSONValue.parse(bytes)) ?? .null }

    var labels: [String: String] {
        var labels: [String: String] = [:]
        var i = fieldNames.count
        while i + 1 < selectable.count {
            labels[selectable[i]] = selectable[i + 1]
            i += 2
        }
        return labels
    }

    var fields: [String: String] {
        Dictionary(zip(fieldNames, selectable), uniquingKeysWith: { a, _ in a })
    }

    /// `bytes` in a buffer of exactly its size (the serializer reserves 1 KiB up front).
    private static func exactCopy(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.capacity > bytes.count else { return bytes }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            _ = buffer.initialize(from: bytes)
            count = bytes.count
        }
    }
}

extension JSONValue {
    mutating func setResourceVersion(_ revision: Int64) {
        var metadata = self["metadata"] ?? .object([:])
        metadata["resourceVersion"] = .string(String(revision))
        self["metadata"] = metadata
    }

    /// `self[a][b][c]` as a string, "" when absent; numbers and booleans in their text form.
    func text(_ path: String...) -> String {
        var cur: JSONValue? = self
        for p in path { cur = cur?[p] }
        switch cur {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .bool(let b)?: return b ? "true" : "false"
        default: return ""
        }
    }
}

/// Field selector support, per resource, as Kubernetes registers it.
enum SelectableFields {
    private static let namesByResource = Mutex<[String: [String]]>([:])

    /// `supported(r)`, computed once per resource so every cached object shares one array.
    static func names(_ r: ResourceInfo) -> [String] {
        namesByResource.withLock { cache in
            if let names = cache[r.keyPrefix] { return names }
            let names = supported(r)
            cache[r.keyPrefix] = names
            return names
        }
    }

    /// Forgets a resource's names (a custom resource redefined with other selectable fields).
    static func forget(_ r: ResourceInfo) {
        _ = namesByResource.withLock { $0.removeValue(forKey: r.keyPrefix) }
    }

    static func supported(_ r: ResourceInfo) -> [String] {
        ["metadata.name", "metadata.namespace"] + r.strategy.selectableFields
    }

    static func extract(from o: JSONValue, resource r: ResourceInfo) -> [String: String] {
        var f = ["metadata.name": o.text("metadata", "name"), "metadata.namespace": o.text("metadata", "namespace")]
        f.merge(r.strategy.selectableFieldValues(o)) { _, kind in kind }
        return f
    }
}
