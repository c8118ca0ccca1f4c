import SkiffAPI

/// CustomResourceDefinitions (apiextensions-apiserver's strategy): a create starts from an empty
/// status, and every write records the storage version in `status.storedVersions` (the versions
/// objects may still be stored in), which only the status subresource can shrink.
struct CustomResourceDefinitionStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        object["status"] = .object([:])
        Self.recordStorageVersion(&object)
    }

    func prepareForUpdate(_ object: inout JSONValue, proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope) {
        if scope != .status { Self.recordStorageVersion(&object) }
    }

    /// Appends the version marked `storage: true` to `status.storedVersions` unless it is there.
    static func recordStorageVersion(_ object: inout JSONValue) {
        guard let versions = object["spec"]?["versions"]?.arrayValue,
              let storage = versions.first(where: { $0["storage"]?.boolValue == true })?["name"]?.stringValue,
              case .object(var fields) = object else { return }
        var status = fields["status"]?.objectValue ?? [:]
        var stored = status["storedVersions"]?.arrayValue ?? []
        guard !stored.contains(.string(storage)) else { return }
        stored.append(.string(storage))
        status["storedVersions"] = .array(stored)
        fields["status"] = .object(status)
        object = .object(fields)
    }
}
