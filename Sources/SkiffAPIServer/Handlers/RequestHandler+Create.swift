import Foundation
import SkiffAPI
import SkiffStore

/// The object as stored, with the revision it was written at.
struct StoredObject: Sendable {
    var object: JSONValue
    var modRevision: Int64
}

extension RequestHandler {
    func readStored(_ r: ResourceInfo, namespace: String?, name: String) async throws(APIError) -> StoredObject {
        let kv: KeyValue?
        do { kv = try await store.get(r.key(namespace: namespace, name: name), atRevision: nil) } catch {
            throw APIError.from(store: error, resource: r, name: name)
        }
        guard let kv else { throw .notFound(r, name) }
        guard var object = try? JSONValue.parse(kv.value) else { throw .internalError("stored object \(kv.key) is not JSON") }
        object.setResourceVersion(kv.modRevision)
        return StoredObject(object: object, modRevision: kv.modRevision)
    }

    /// Checks apiVersion/kind of a body against the resource, filling them in when absent.
    func checkTypeMeta(_ object: inout JSONValue, _ r: ResourceInfo, kind: String? = nil, apiVersion: String? = nil) throws(APIError) {
        guard case .object = object else { throw .badRequest("the request body must be a JSON object") }
        let expectedKind = kind ?? r.kind
        let expectedVersion = apiVersion ?? r.apiVersion
        if let k = object["kind"]?.stringValue, !k.isEmpty, k != expectedKind {
            throw .badRequest("the kind \"\(k)\" of the request body does not match the resource \(r.qualifiedPlural) (\(expectedKind))")
        }
        if let v = object["apiVersion"]?.stringValue, !v.isEmpty, v != expectedVersion {
            throw .badRequest("the API version in the data (\(v)) does not match the expected API version (\(expectedVersion))")
        }
        object["kind"] = .string(expectedKind)
        object["apiVersion"] = .string(expectedVersion)
        if object["metadata"] == nil || object["metadata"]?.isNull == true { object["metadata"] = .object([:]) }
        guard case .object = object.metadata else { throw .badRequest("metadata must be an object") }
    }

    /// A body that Go could not decode into the kind's struct (a value of the wrong JSON type):
    /// 400, worded as kube-apiserver's decoder error.
    func checkDecodes(_ object: JSONValue, _ r: ResourceInfo) throws(APIError) {
        if let error = GoLayout.decodingError(in: object) {
            throw .badRequest("\(r.kind) in version \"\(r.version)\" cannot be handled as a \(r.kind): \(error)")
        }
    }

    /// Unknown fields under `fieldValidation` (Strict: 400; Warn, the default: Warning headers; Ignore).
    func validateFields(_ object: JSONValue, _ r: ResourceInfo, _ request: APIRequest) throws(APIError) -> [String] {
        let mode = (request.query["fieldValidation"] ?? "").isEmpty ? "Warn" : request.query["fieldValidation"] ?? "Warn"
        guard mode != "Ignore" else { return [] }
        guard mode == "Strict" || mode == "Warn" else {
            throw .badRequest("fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", got \"\(mode)\"")
        }
        let unknown = r.strategy.unknownFields(in: object, resource: r)
        guard !unknown.isEmpty else { return [] }
        let messages = unknown.map { "unknown field \"\($0)\"" }
        if mode == "Strict" { throw .badRequest("strict decoding error: \(messages.joined(separator: ", "))") }
        return messages
    }

    func create(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        try checkTypeMeta(&object, r)
        try checkDecodes(object, r)
        let warnings = try validateFields(object, r, request)
        let created = try await createObject(r, object, namespace: route.namespace, dryRun: request.dryRun)
        return respondObject(created, r, form: form, status: 201, warnings: warnings)
    }

    /// Attempts at a create whose name is generated: a 5-character suffix collides now and then,
    /// and like kube-apiserver (KEP-4420 RetryGenerateName) a collision is retried with a new
    /// name, so clients never see AlreadyExists for a name they did not choose.
    static let generateNameAttempts = 8

    /// The create pipeline shared by POST and the server's own bootstrap: names, defaulting,
    /// system fields, validation, allocation, store. Returns the wire bytes of the new object.
    func createObject(_ r: ResourceInfo, _ input: JSONValue, namespace routeNamespace: String?, dryRun: Bool)
        async throws(APIError) -> [UInt8] {
        let generated = input.name.isEmpty && !(input.metadata["generateName"]?.stringValue ?? "").isEmpty
        var attempt = 1
        while true {
            do {
                return try await createObjectOnce(r, input, namespace: routeNamespace, dryRun: dryRun)
            } catch where generated && error.reason == .alreadyExists && attempt < Self.generateNameAttempts {
                attempt += 1
            }
        }
    }

    private func createObjectOnce(_ r: ResourceInfo, _ input: JSONValue, namespace routeNamespace: String?, dryRun: Bool)
        async throws(APIError) -> [UInt8] {
        var object = input
        if r.namespaced {
            let bodyNamespace = object.namespace ?? ""
            guard let namespace = routeNamespace else { throw .badRequest("the namespace of the object must be given in the URL") }
            if !bodyNamespace.isEmpty, bodyNamespace != namespace {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            object.setMetadata("namespace", .string(namespace))
        } else {
            object.setMetadata("namespace", nil)
        }
        if object.name.isEmpty, let prefix = object.metadata["generateName"]?.stringValue, !prefix.isEmpty {
            object.setMetadata("name", .string(Names.generate(prefix: prefix)))
        }
        // The uid first: defaulting may derive fields from it (a Job's generated selector, which
        // kube-apiserver's strategy computes after it has filled in the system fields).
        object.setMetadata("uid", .string(Names.uid()))
        // Mutating admission that must see what the client sent (before defaults fill it in).
        if r.group.isEmpty && r.kind == "Pod" { try await PriorityAdmission.admitPod(&object, handler: self) }
        r.strategy.applyDefaults(&object, resource: r)
        await admit(&object, r)
        prepareForCreate(&object, r)
        let causes = r.strategy.validate(object, resource: r)
        if !causes.isEmpty { throw .invalid(r, object.name, causes) }
        if r.namespaced, let namespace = object.namespace { try await NamespaceStrategy.ensureActive(namespace, for: r, name: object.name, handler: self) }
        let name = object.name
        let key = r.key(namespace: object.namespace, name: name)
        let allocation = try await r.strategy.allocateOnCreate(&object, resource: r, dryRun: dryRun, handler: self)
        if dryRun { return object.serialized() }
        let revision: Int64
        do { revision = try await store.create(key, value: object.serialized()) } catch {
            await allocation.release()
            throw APIError.from(store: error, resource: r, name: name)
        }
        return await committed(r, key: key, object: object, revision: revision)
    }

    /// Waits until the caches have the write (read-your-writes), returns its wire bytes.
    func committed(_ r: ResourceInfo, key: String, object: JSONValue, revision: Int64) async -> [UInt8] {
        _ = await caches.clock.wait(for: revision)
        if let cached = await caches.cache(for: r)?.get(key: key), cached.modRevision == revision { return cached.bytes }
        var copy = object
        copy.setResourceVersion(revision)
        return copy.serialized()
    }

    /// System fields of a new object, then the kind's own (the status it starts with).
    func prepareForCreate(_ object: inout JSONValue, _ r: ResourceInfo) {
        if (object.metadata["uid"]?.stringValue ?? "").isEmpty { object.setMetadata("uid", .string(Names.uid())) }
        object.setMetadata("creationTimestamp", .string(Timestamp.now()))
        object.setMetadata("resourceVersion", nil)
        object.setMetadata("deletionTimestamp", nil)
        object.setMetadata("deletionGracePeriodSeconds", nil)
        object.setMetadata("selfLink", nil)
        object.setMetadata("managedFields", nil)
        object.setMetadata("generation", r.strategy.tracksGeneration(r) ? .int(1) : nil)
        r.strategy.prepareForCreate(&object, resource: r)
    }
}

extension RequestHandler {
    /// A create of a kind that is never stored (reviews): the strategy computes the answer.
    func createVirtual(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        try checkTypeMeta(&object, r)
        return try await r.strategy.createVirtual(object, resource: r, route: route, request: request, handler: self)
    }
}
