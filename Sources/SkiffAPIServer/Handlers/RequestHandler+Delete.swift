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
            if let p = propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
                throw .badRequest("propagationPolicy: Unsupported value: \"\(p)\": supported values: \"Foreground\", \"Background\", \"Orphan\"")
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
    /// mark the object; pods on a node get a graceful deletion; namespaces are emptied first.
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
        if r.group.isEmpty, r.plural == "namespaces" {
            return try await deleteNamespace(r, current: current, dryRun: options.dryRun)
        }
        var marked = object
        var finalizers = object.finalizers
        switch options.propagationPolicy {
        case "Foreground" where !finalizers.contains("foregroundDeletion"): finalizers.append("foregroundDeletion")
        case "Orphan" where !finalizers.contains("orphan"): finalizers.append("orphan")
        default: break
        }
        // Graceful pod deletion: the kubelet of the pod's node confirms with grace 0.
        if r.group.isEmpty, r.plural == "pods", let node = object["spec"]?["nodeName"]?.stringValue, !node.isEmpty {
            let phase = object["status"]?["phase"]?.stringValue ?? ""
            let grace = options.gracePeriodSeconds ?? object["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 30
            if grace > 0, phase != "Succeeded", phase != "Failed" {
                let existing = object.metadata["deletionGracePeriodSeconds"]?.intValue
                if existing != nil, existing! <= grace, finalizers == object.finalizers { return object.serialized() }
                marked.setMetadata("deletionTimestamp", .string(Timestamp.format(Date().addingTimeInterval(Double(grace)))))
                marked.setMetadata("deletionGracePeriodSeconds", .int(grace))
                if finalizers != object.finalizers { marked.setMetadata("finalizers", .array(finalizers.map { .string($0) })) }
                return try await writeMark(r, key: key, current: current, marked: marked, dryRun: options.dryRun)
            }
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

    private func writeMark(_ r: ResourceInfo, key: String, current: StoredObject, marked: JSONValue, dryRun: Bool)
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
        if r.group.isEmpty, r.plural == "services" { await allocator.releaseAll(of: last) }
        _ = await caches.clock.wait(for: revision)
        var copy = last
        copy.setResourceVersion(revision)
        return copy.serialized()
    }

    /// Namespace lifecycle, built in until a namespace controller exists: mark Terminating,
    /// delete every namespaced object in it, then remove the namespace.
    private func deleteNamespace(_ r: ResourceInfo, current: StoredObject, dryRun: Bool) async throws(APIError) -> [UInt8] {
        let name = current.object.name
        if ["default", "kube-system", "kube-public"].contains(name) {
            throw APIError(code: 403, reason: .forbidden, message: "namespace \"\(name)\" is forbidden: this namespace may not be deleted",
                           name: name, kind: "namespaces")
        }
        if dryRun { return current.object.serialized() }
        var marked = current.object
        marked.setMetadata("deletionTimestamp", .string(Timestamp.now()))
        marked.setMetadata("deletionGracePeriodSeconds", .int(0))
        marked["status"] = .object(["phase": .string("Terminating")])
        let key = r.key(namespace: nil, name: name)
        _ = try await writeMark(r, key: key, current: current, marked: marked, dryRun: false)
        for resource in registry.persisted where resource.namespaced {
            let prefix = resource.keyPrefix(namespace: name)
            var after: String?
            while true {
                let page: ListResult
                do { page = try await store.list(prefix: prefix, atRevision: nil, limit: 500, continueAfter: after) } catch {
                    throw APIError.from(store: error, resource: resource, name: "")
                }
                for kv in page.items {
                    do { _ = try await store.delete(kv.key, expectedModRevision: nil) } catch StoreError.notFound(_) {
                        // Deleted meanwhile by someone else: what we wanted.
                    } catch {
                        logger.error("deleting \(kv.key) of namespace \(name) failed: \(error)")
                        throw APIError.from(store: error, resource: resource, name: "")
                    }
                    if resource.group.isEmpty, resource.plural == "services", let svc = try? JSONValue.parse(kv.value) {
                        await allocator.releaseAll(of: svc)
                    }
                }
                after = page.items.last?.key
                if !page.more || after == nil { break }
            }
        }
        let latest = try await readStored(r, namespace: nil, name: name)
        var last = latest.object
        if var spec = last["spec"] { spec["finalizers"] = .array([]); last["spec"] = spec }
        if !last.finalizers.isEmpty {
            return try await writeMark(r, key: key, current: latest, marked: last, dryRun: false)
        }
        return try await deleteNow(r, key: key, current: latest, last: last)
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
        for (i, bytes) in deleted.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: bytes)
        }
        out.append(contentsOf: "]}".utf8)
        return .bytes(out)
    }
}
