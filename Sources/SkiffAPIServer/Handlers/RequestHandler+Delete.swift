import Foundation
import SkiffAPI
import SkiffStore

extension RequestHandler {
    struct DeleteOptions: Sendable {
        var gracePeriodSeconds: Int64?
        var propagationPolicy: String?
        var preconditionUID: String?
        var preconditionResourceVersion: String?
        var dryRun = false

        init(_ request: APIRequest) throws(APIError) {
            var body: JSONValue = .object([:])
            if !request.body.isEmpty {
                body = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
            }
            gracePeriodSeconds = body["gracePeriodSeconds"]?.intValue ?? request.query["gracePeriodSeconds"].flatMap { Int64($0) }
            propagationPolicy = body["propagationPolicy"]?.stringValue ?? request.query["propagationPolicy"]
            if propagationPolicy == nil, let orphan = body["orphanDependents"]?.boolValue ?? request.query["orphanDependents"].map({ $0 == "true" }) {
                propagationPolicy = orphan ? "Orphan" : "Background"
            }
            preconditionUID = body["preconditions"]?["uid"]?.stringValue
            preconditionResourceVersion = body["preconditions"]?["resourceVersion"]?.stringValue
            let dry = body["dryRun"]?.arrayValue?.contains(.string("All")) ?? false
            dryRun = dry || request.dryRun
            // ValidateDeleteOptions: a 422 on DeleteOptions, as kube-apiserver answers.
            if let p = propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
                throw RequestHandler.invalidOptions("DeleteOptions", [FieldCause(
                    reason: "FieldValueNotSupported",
                    message: "Unsupported value: \"\(p)\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                    field: "propagationPolicy")])
            }
        }
    }

    func delete(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        let options = try DeleteOptions(request)
        let bytes = try await deleteObject(r, namespace: route.namespace, name: route.name ?? "", options: options)
        return respondObject(bytes, r, form: form)
    }

    /// Kubernetes deletion: preconditions; finalizers (and Foreground/Orphan propagation) only
    /// mark the object; the kind's strategy may make it graceful (pods on a node) or delete its own way (namespaces).
    func deleteObject(_ r: ResourceInfo, namespace: String?, name: String, options: DeleteOptions) async throws(APIError) -> [UInt8] {
        var attempt = 0
        while true {
            attempt += 1
            let current = try await readStored(r, namespace: namespace, name: name)
            do throws(APIError) {
                return try await deleteOnce(r, current: current, options: options)
            } catch let error where error.reason == .conflict && attempt < 8 && options.preconditionResourceVersion == nil {
                continue
            }
        }
    }

    private func deleteOnce(_ r: ResourceInfo, current: StoredObject, options: DeleteOptions) async throws(APIError) -> [UInt8] {
        let object = current.object
        let name = object.name
        if let uid = options.preconditionUID, uid != object.metadata["uid"]?.stringValue {
            throw APIError(code: 409, reason: .conflict,
                           message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.metadata["uid"]?.stringValue ?? "")",
                           name: name, group: r.group, kind: r.plural)
        }
        if let rv = options.preconditionResourceVersion, rv != String(current.modRevision) {
            throw APIError(code: 409, reason: .conflict,
                           message: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(current.modRevision)",
                           name: name, group: r.group, kind: r.plural)
        }
        let key = r.key(namespace: object.namespace, name: name)
        if let deleted = try await r.strategy.delete(current, resource: r, options: options, handler: self) { return deleted }
        var marked = object
        var finalizers = object.finalizers
        switch options.propagationPolicy {
        case "Foreground" where !finalizers.contains("foregroundDeletion"): finalizers.append("foregroundDeletion")
        case "Orphan" where !finalizers.contains("orphan"): finalizers.append("orphan")
        default: break
        }
        for finalizer in r.strategy.finalizersOnDelete where !finalizers.contains(finalizer) { finalizers.append(finalizer) }
        // Graceful deletion: the object is marked and someone (a pod's kubelet) confirms with grace 0.
        if let grace = r.strategy.gracefulDeletionPeriod(object, options: options) {
            if let existing = object.metadata["deletionGracePeriodSeconds"]?.intValue, existing <= grace,
               finalizers == object.finalizers { return object.serialized() }
            marked.setMetadata("deletionTimestamp", .string(Timestamp.format(Date().addingTimeInterval(Double(grace)))))
            marked.setMetadata("deletionGracePeriodSeconds", .int(grace))
            if finalizers != object.finalizers { marked.setMetadata("finalizers", .array(finalizers.map { .string($0) })) }
            return try await writeMark(r, key: key, current: current, marked: marked, dryRun: options.dryRun)
        }
        if !finalizers.isEmpty {
            if object.metadata["deletionTimestamp"] != nil, finalizers == object.finalizers { return object.serialized() }
            if object.metadata["deletionTimestamp"] == nil {
                marked.setMetadata("deletionTimestamp", .string(Timestamp.now()))
                marked.setMetadata("deletionGracePeriodSeconds", .int(0))
            }
            marked.setMetadata("finalizers", .array(finalizers.map { .string($0) }))
            return try await writeMark(r, key: key, current: current, marked: marked, dryRun: options.dryRun)
        }
        if options.dryRun { return object.serialized() }
        return try await deleteNow(r, key: key, current: current, last: object)
    }

    func writeMark(_ r: ResourceInfo, key: String, current: StoredObject, marked: JSONValue, dryRun: Bool)
        async throws(APIError) -> [UInt8] {
        var value = marked
        value.setMetadata("resourceVersion", nil)
        if dryRun { return marked.serialized() }
        let revision: Int64
        do { revision = try await store.update(key, value: value.serialized(), expectedModRevision: current.modRevision) } catch {
            throw APIError.from(store: error, resource: r, name: marked.name)
        }
        return await committed(r, key: key, object: value, revision: revision)
    }

    /// Removes the key (compare-and-swap on `current`); returns the last state.
    func deleteNow(_ r: ResourceInfo, key: String, current: StoredObject, last: JSONValue) async throws(APIError) -> [UInt8] {
        let revision: Int64
        do { revision = try await store.delete(key, expectedModRevision: current.modRevision).revision } catch {
            throw APIError.from(store: error, resource: r, name: last.name)
        }
        await r.strategy.deleted(last, handler: self)
        _ = await caches.clock.wait(for: revision)
        var copy = last
        copy.setResourceVersion(revision)
        return copy.serialized()
    }

    func deleteCollection(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let options = try DeleteOptions(request)
        let filter = try filter(r, route: route, request: request)
        try await waitForFreshness(nil)
        let items = try await cache(r).list(filter: filter, after: nil, limit: nil, floor: caches.clock.current).items
        var deleted: [[UInt8]] = []
        for item in items {
            do throws(APIError) {
                deleted.append(try await deleteObject(r, namespace: item.namespace.isEmpty ? nil : item.namespace, name: item.name,
                                                      options: options))
            } catch where error.reason == .notFound {
                continue
            }
        }
        var out = Array(#"{"kind":"\#(r.listKind)","apiVersion":"\#(r.apiVersion)","metadata":{"resourceVersion":"\#(caches.clock.current)"},"items":["#.utf8)
        let typeMeta = Self.itemTypeMeta(r)
        for (i, bytes) in deleted.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendListItem(bytes, typeMeta: typeMeta, into: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return .bytes(out)
    }
}
