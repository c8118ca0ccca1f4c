import Foundation
import SkiffAPI
import SkiffStore

extension RequestHandler {
    /// Which part of an object a write may change.
    /// `.all` takes the whole proposed object (server-internal writes such as a binding).
    /// `finalize`: namespaces/finalize, the only path that may change `spec.finalizers`.
    enum UpdateScope: Sendable { case main, status, scale, all, finalize }

    func update(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        try checkTypeMeta(&object, r)
        try checkDecodes(object, r)
        let name = route.name ?? ""
        if object.name.isEmpty { object.setMetadata("name", .string(name)) }
        guard object.name == name else {
            throw .badRequest("the name of the object (\(object.name)) does not match the name on the URL (\(name))")
        }
        let warnings = try validateFields(object, r, request)
        let bytes: [UInt8]
        do {
            bytes = try await updateWithRetry(r, namespace: route.namespace, name: name, dryRun: request.dryRun) { _ in object }
        } catch where error.code == 404 && error.reason == .notFound && r.strategy.allowCreateOnUpdate {
            let created = try await createObject(r, object, namespace: route.namespace, dryRun: request.dryRun)
            return respondObject(created, r, form: form, status: 201, warnings: warnings)
        }
        return respondObject(bytes, r, form: form, warnings: warnings)
    }

    /// Reads the current object, computes the new one with `transform`, and commits it; retries
    /// lost compare-and-swaps unless the new object names a resourceVersion (then 409).
    func updateWithRetry(_ r: ResourceInfo, namespace: String?, name: String, scope: UpdateScope = .main, dryRun: Bool,
                         transform: (JSONValue) throws(APIError) -> JSONValue) async throws(APIError) -> [UInt8] {
        var attempt = 0
        while true {
            attempt += 1
            let current = try await readStored(r, namespace: namespace, name: name)
            let proposed = try transform(current.object)
            do throws(APIError) {
                return try await commitUpdate(r, old: current, new: proposed, scope: scope, dryRun: dryRun)
            } catch let error where error.reason == .conflict && attempt < 8 {
                let requested = proposed.metadata["resourceVersion"]?.stringValue ?? ""
                if !requested.isEmpty && requested != String(current.modRevision) { throw error }
                continue
            }
        }
    }

    /// The update pipeline: precondition, scope rules, system fields, defaulting, validation,
    /// finalization, then a compare-and-swap on the old revision. No-op updates write nothing.
    func commitUpdate(_ r: ResourceInfo, old: StoredObject, new proposed: JSONValue, scope: UpdateScope, dryRun: Bool)
        async throws(APIError) -> [UInt8] {
        let name = old.object.name
        let requested = proposed.metadata["resourceVersion"]?.stringValue ?? ""
        if !requested.isEmpty, requested != String(old.modRevision) {
            guard Int64(requested) != nil else { throw .badRequest("invalid resourceVersion \"\(requested)\"") }
            throw .conflict(r, name)
        }
        var object = r.strategy.resetFields(proposed: proposed, old: old.object, scope: scope, resource: r)
        guard case .object = object.metadata else { throw .badRequest("metadata must be an object") }
        // Fields only the server sets.
        for key in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name"] {
            object.setMetadata(key, old.object.metadata[key])
        }
        object.setMetadata("resourceVersion", nil)
        object.setMetadata("managedFields", nil)
        object.setMetadata("selfLink", nil)
        if scope != .status {
            r.strategy.applyDefaults(&object, resource: r)
        }
        // Compare as Go would (the old object comes from the cache in Go's shape): an absent
        // non-omitempty field equals its zero value, an empty omitempty one equals absent.
        if let normalized = try? JSONValue.parse(object.serialized()) { object = normalized }
        r.strategy.prepareForUpdate(&object, proposed: proposed, old: old.object, scope: scope)
        // generation moves only when the spec does.
        if let generation = old.object.metadata["generation"]?.intValue {
            let changed = Self.specPart(object) != Self.specPart(old.object)
            object.setMetadata("generation", .int(changed ? generation + 1 : generation))
        } else if object["spec"] != nil {
            object.setMetadata("generation", .int(1))
        }
        var oldForCompare = old.object
        oldForCompare.setMetadata("resourceVersion", nil)
        // Server-internal writes (.all: pods/binding) set fields users may not change, such as
        // spec.nodeName; they check the object itself, not the user-update immutability rules.
        let causes = scope == .all
            ? r.strategy.validate(object, resource: r)
            : r.strategy.validateUpdate(object, old: oldForCompare, resource: r)
        if !causes.isEmpty { throw .invalid(r, name, causes) }
        let allocation = try await r.strategy.allocateOnUpdate(&object, old: oldForCompare, scope: scope, dryRun: dryRun,
                                                               resource: r, handler: self)
        let key = r.key(namespace: object.namespace, name: name)
        // An object marked for deletion goes when its last finalizer does.
        if object.metadata["deletionTimestamp"] != nil, r.strategy.shouldDeleteDuringUpdate(object) {
            if dryRun { return object.serialized() }
            return try await deleteNow(r, key: key, current: old, last: object)
        }
        if object == oldForCompare {
            return old.object.serialized()
        }
        if dryRun {
            var copy = object
            copy.setResourceVersion(old.modRevision)
            return copy.serialized()
        }
        let revision: Int64
        do { revision = try await store.update(key, value: object.serialized(), expectedModRevision: old.modRevision) } catch {
            await allocation.release()
            throw APIError.from(store: error, resource: r, name: name)
        }
        await r.strategy.updated(old: oldForCompare, new: object, handler: self)
        return await committed(r, key: key, object: object, revision: revision)
    }

    /// What counts as "spec" for generation: `spec`, or for kinds without one everything but
    /// metadata and status.
    static func specPart(_ object: JSONValue) -> JSONValue {
        if let spec = object["spec"] { return spec }
        guard case .object(var fields) = object else { return object }
        fields.removeValue(forKey: "metadata")
        fields.removeValue(forKey: "status")
        return .object(fields)
    }
}
