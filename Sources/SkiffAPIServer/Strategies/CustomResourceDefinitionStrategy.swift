import SkiffAPI

/// CustomResourceDefinitions (apiextensions-apiserver's strategy): v1 defaults, validation with
/// its messages, a new CRD starting with an empty status that records its storage version, and
/// the `customresourcecleanup` finalizer that keeps a deleted CRD until its objects are gone
/// (`CustomResourceController` deletes them, then lifts the finalizer).
struct CustomResourceDefinitionStrategy: ResourceStrategy {
    static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    func applyDefaults(_ object: inout JSONValue, resource r: ResourceInfo) {
        CRDValidation.applyDefaults(&object)
    }

    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        var status: [String: JSONValue] = ["acceptedNames": .object(["plural": .string(""), "kind": .string("")])]
        if let storage = Self.storageVersion(object) { status["storedVersions"] = .array([.string(storage)]) }
        object["status"] = .object(status)
    }

    /// As upstream's CRD REST delete: the CRD is only marked, with the cleanup finalizer, so
    /// its custom resources are deleted before it goes.
    var finalizersOnDelete: [String] { [Self.cleanupFinalizer] }

    func prepareForUpdate(_ object: inout JSONValue, proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope) {
        // storedVersions keeps every version objects may have been written in.
        guard scope != .status, let storage = Self.storageVersion(object) else { return }
        var status = object["status"] ?? .object([:])
        var stored = status["storedVersions"]?.arrayValue ?? []
        if !stored.contains(.string(storage)) {
            stored.append(.string(storage))
            status["storedVersions"] = .array(stored)
            object["status"] = status
        }
    }

    func validate(_ object: JSONValue, resource r: ResourceInfo) -> [FieldCause] {
        CRDValidation.validate(object)
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue, resource r: ResourceInfo) -> [FieldCause] {
        Validation.validateUpdate(object, old: old, kind: r.gvk).filter { $0.field.hasPrefix("metadata") && $0.message.contains("immutable") }
            + CRDValidation.validateUpdate(object, old: old)
    }

    static func storageVersion(_ crd: JSONValue) -> String? {
        crd["spec"]?["versions"]?.arrayValue?.first { $0["storage"]?.boolValue == true }?["name"]?.stringValue
    }
}
