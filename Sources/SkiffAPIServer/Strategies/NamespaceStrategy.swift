import Foundation
import SkiffAPI
import SkiffStore

/// Namespaces: start Active with the `kubernetes` finalizer and their name label; the spec
/// (finalizers) changes only through namespaces/finalize; deletion is the namespace lifecycle.
struct NamespaceStrategy: ResourceStrategy {
    static let plural = "namespaces"
    /// Namespaces the server needs: never deleted.
    static let protected: Set<String> = ["default", "kube-system", "kube-public"]

    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        object["status"] = .object(["phase": .string("Active")])
        var spec = object["spec"] ?? .object([:])
        if spec["finalizers"] == nil { spec["finalizers"] = .array([.string("kubernetes")]) }
        object["spec"] = spec
        var labels = object.metadata["labels"] ?? .object([:])
        labels["kubernetes.io/metadata.name"] = .string(object.name)
        object.setMetadata("labels", labels)
    }

    /// spec.finalizers changes only through namespaces/finalize, and there as sent: defaulting
    /// must not put "kubernetes" back when the namespace controller removed it.
    func prepareForUpdate(_ object: inout JSONValue, proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope) {
        if scope == .finalize {
            var spec = object["spec"] ?? .object([:])
            spec["finalizers"] = proposed["spec"]?["finalizers"] ?? .array([])
            object["spec"] = spec
        } else {
            object["spec"] = old["spec"]
        }
    }

    /// A namespace also waits for its spec.finalizers (kube-apiserver's ShouldDeleteDuringUpdate).
    func shouldDeleteDuringUpdate(_ object: JSONValue) -> Bool {
        object.finalizers.isEmpty && (object["spec"]?["finalizers"]?.arrayValue ?? []).isEmpty
    }

    var selectableFields: [String] { ["status.phase"] }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] { ["status.phase": o.text("status", "phase")] }

    func handleSubresource(_ sub: ResourceInfo.Subresource, resource r: ResourceInfo, route: ResourceRoute,
                           request: APIRequest, handler: RequestHandler) async throws(APIError) -> APIResponse? {
        guard sub == .finalize, request.method == "PUT", let name = route.name else { return nil }
        // As kube-apiserver's finalize strategy: everything but status from the body, spec.finalizers included.
        let form = try ResponseForm.negotiate(request)
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        try handler.checkTypeMeta(&object, r)
        if object.name.isEmpty { object.setMetadata("name", .string(name)) }
        guard object.name == name else {
            throw .badRequest("the name of the object (\(object.name)) does not match the name on the URL (\(name))")
        }
        let bytes = try await handler.updateWithRetry(r, namespace: nil, name: name, scope: .finalize, dryRun: request.dryRun) { _ in object }
        return handler.respondObject(bytes, r, form: form)
    }

    func delete(_ current: StoredObject, resource r: ResourceInfo, options: RequestHandler.DeleteOptions,
                handler: RequestHandler) async throws(APIError) -> [UInt8]? {
        try await Self.deleteNamespace(r, current: current, dryRun: options.dryRun, handler: handler)
    }

    /// Namespace lifecycle, built in until a namespace controller exists: mark Terminating,
    /// delete every namespaced object in it, then remove the namespace.
    static func deleteNamespace(_ r: ResourceInfo, current: StoredObject, dryRun: Bool,
                                handler: RequestHandler) async throws(APIError) -> [UInt8] {
        let name = current.object.name
        if protected.contains(name) {
            throw APIError(code: 403, reason: .forbidden, message: "namespace \"\(name)\" is forbidden: this namespace may not be deleted",
                           name: name, kind: r.plural)
        }
        if dryRun { return current.object.serialized() }
        var marked = current.object
        marked.setMetadata("deletionTimestamp", .string(Timestamp.now()))
        marked.setMetadata("deletionGracePeriodSeconds", .int(0))
        marked["status"] = .object(["phase": .string("Terminating")])
        let key = r.key(namespace: nil, name: name)
        if handler.namespaceController {
            // As kube-apiserver: a namespace with finalizers is only marked; the namespace
            // controller deletes its content and then removes the `kubernetes` finalizer.
            let pending = !(current.object["spec"]?["finalizers"]?.arrayValue ?? []).isEmpty || !current.object.finalizers.isEmpty
            if pending {
                if current.object.metadata["deletionTimestamp"] != nil { return current.object.serialized() }
                return try await handler.writeMark(r, key: key, current: current, marked: marked, dryRun: false)
            }
            return try await handler.deleteNow(r, key: key, current: current, last: current.object)
        }
        _ = try await handler.writeMark(r, key: key, current: current, marked: marked, dryRun: false)
        for resource in handler.registry.persisted where resource.namespaced {
            let prefix = resource.keyPrefix(namespace: name)
            var after: String?
            while true {
                let page: ListResult
                do { page = try await handler.store.list(prefix: prefix, atRevision: nil, limit: 500, continueAfter: after) } catch {
                    throw APIError.from(store: error, resource: resource, name: "")
                }
                for kv in page.items {
                    do { _ = try await handler.store.delete(kv.key, expectedModRevision: nil) } catch StoreError.notFound(_) {
                        // Deleted meanwhile by someone else: what we wanted.
                    } catch {
                        handler.logger.error("deleting \(kv.key) of namespace \(name) failed: \(error)")
                        throw APIError.from(store: error, resource: resource, name: "")
                    }
                    if resource.strategy.observesDeletion, let object = try? JSONValue.parse(kv.value) {
                        await resource.strategy.deleted(object, handler: handler)
                    }
                }
                after = page.items.last?.key
                if !page.more || after == nil { break }
            }
        }
        let latest = try await handler.readStored(r, namespace: nil, name: name)
        var last = latest.object
        if var spec = last["spec"] { spec["finalizers"] = .array([]); last["spec"] = spec }
        if !last.finalizers.isEmpty {
            return try await handler.writeMark(r, key: key, current: latest, marked: last, dryRun: false)
        }
        return try await handler.deleteNow(r, key: key, current: latest, last: last)
    }

    /// NamespaceLifecycle admission: new objects go only into a namespace that exists and is not
    /// being terminated.
    static func ensureActive(_ namespace: String, for r: ResourceInfo, name: String, handler: RequestHandler) async throws(APIError) {
        guard let namespaces = handler.registry.resource(group: "", version: "v1", plural: plural) else {
            throw .internalError("the server does not serve namespaces")
        }
        let key = namespaces.key(namespace: nil, name: namespace)
        var found = try await handler.cache(namespaces).get(key: key)?.object
        if found == nil {
            // Only an absent namespace is NotFound; a failing store must not read as one.
            do { found = try await handler.readStored(namespaces, namespace: nil, name: namespace).object } catch where error.code == 404 {
            } catch {
                handler.logger.error("reading namespace \(namespace) failed: \(error.message)")
                throw error
            }
        }
        guard let ns = found else { throw .namespaceNotFound(namespace) }
        if ns.metadata["deletionTimestamp"] != nil || ns["status"]?["phase"]?.stringValue == "Terminating" {
            // errors.NewForbidden(resource, name, …) as kube-apiserver's NamespaceLifecycle plugin.
            let resource = r.group.isEmpty ? r.plural : "\(r.plural).\(r.group)"
            throw APIError(code: 403, reason: .forbidden,
                           message: "\(resource) \"\(name)\" is forbidden: unable to create new content in namespace \(namespace) because it is being terminated",
                           name: name, group: r.group, kind: r.plural)
        }
    }
}
