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

    /// Unknown fields under `fieldValidation` (Strict: 400; Warn, the default: Warning headers; Ignore).
    func validateFields(_ object: JSONValue, _ r: ResourceInfo, _ request: APIRequest) throws(APIError) -> [String] {
        let mode = request.query["fieldValidation"] ?? "Warn"
        guard mode != "Ignore" else { return [] }
        guard mode == "Strict" || mode == "Warn" else {
            throw .badRequest("fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", got \"\(mode)\"")
        }
        let unknown = SchemaCatalog.shared.unknownFields(in: object, kind: r.gvk)
        guard !unknown.isEmpty else { return [] }
        let messages = unknown.map { "unknown field \"\($0)\"" }
        if mode == "Strict" { throw .badRequest("strict decoding error: \(messages.joined(separator: ", "))") }
        return messages
    }

    func ensureNamespace(_ namespace: String) async throws(APIError) {
        let namespaces = registry.resource(group: "", version: "v1", plural: "namespaces")!
        let key = namespaces.key(namespace: nil, name: namespace)
        var found = try await cache(namespaces).get(key: key)?.object
        if found == nil {
            // Only an absent namespace is NotFound; a failing store must not read as one.
            do { found = try await readStored(namespaces, namespace: nil, name: namespace).object } catch where error.code == 404 {
            } catch {
                logger.error("reading namespace \(namespace) failed: \(error.message)")
                throw error
            }
        }
        guard let ns = found else { throw .namespaceNotFound(namespace) }
        if ns.metadata["deletionTimestamp"] != nil || ns["status"]?["phase"]?.stringValue == "Terminating" {
            throw APIError(code: 403, reason: .forbidden,
                           message: "unable to create new content in namespace \(namespace) because it is being terminated",
                           name: namespace, kind: "namespaces")
        }
    }

    func create(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        try checkTypeMeta(&object, r)
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
        // The uid first: defaulting a Job generates its selector from it (the Job strategy's
        // PrepareForCreate runs after kube-apiserver has filled in the system fields).
        object.setMetadata("uid", .string(Names.uid()))
        Defaulting.apply(to: &object, kind: r.gvk)
        prepareForCreate(&object, r)
        let causes = Validation.validateCreate(object, kind: r.gvk)
        if !causes.isEmpty { throw .invalid(r, object.name, causes) }
        if r.namespaced, let namespace = object.namespace { try await ensureNamespace(namespace) }
        let name = object.name
        let key = r.key(namespace: object.namespace, name: name)
        var allocation = ServiceAllocator.Allocation()
        if r.group.isEmpty, r.plural == "services" {
            // AlreadyExists wins over an allocation conflict with the existing object's own IP.
            var exists = false
            do { _ = try await readStored(r, namespace: object.namespace, name: name); exists = true } catch where error.code == 404 {}
            if exists { throw .alreadyExists(r, name) }
            allocation = try await allocator.allocate(for: &object, old: nil, dryRun: dryRun, resource: r)
        }
        if dryRun { return object.serialized() }
        let revision: Int64
        do { revision = try await store.create(key, value: object.serialized()) } catch {
            await allocator.release(allocation)
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

    /// System fields of a new object, and the status a new object starts with.
    func prepareForCreate(_ object: inout JSONValue, _ r: ResourceInfo) {
        if (object.metadata["uid"]?.stringValue ?? "").isEmpty { object.setMetadata("uid", .string(Names.uid())) }
        object.setMetadata("creationTimestamp", .string(Timestamp.now()))
        object.setMetadata("resourceVersion", nil)
        object.setMetadata("deletionTimestamp", nil)
        object.setMetadata("deletionGracePeriodSeconds", nil)
        object.setMetadata("selfLink", nil)
        object.setMetadata("managedFields", nil)
        object.setMetadata("generation", Self.tracksGeneration(r) ? .int(1) : nil)
        if r.has(.status), !(r.group.isEmpty && r.plural == "nodes"), r.plural != "certificatesigningrequests" {
            object["status"] = .object([:])
        }
        switch (r.group, r.plural) {
        case ("autoscaling", "horizontalpodautoscalers"):
            // desiredReplicas is not omitempty in Kubernetes' status struct: a new HPA shows 0.
            object["status"] = .object(["desiredReplicas": .int(0)])
        case ("", "pods"):
            object["status"] = .object(["phase": .string("Pending"), "qosClass": .string(Self.qosClass(object))])
        case ("", "namespaces"):
            object["status"] = .object(["phase": .string("Active")])
            var spec = object["spec"] ?? .object([:])
            if spec["finalizers"] == nil { spec["finalizers"] = .array([.string("kubernetes")]) }
            object["spec"] = spec
            var labels = object.metadata["labels"] ?? .object([:])
            labels["kubernetes.io/metadata.name"] = .string(object.name)
            object.setMetadata("labels", labels)
        case ("", "services"):
            object["status"] = .object(["loadBalancer": .object([:])])
        case ("", "persistentvolumeclaims"):
            object["status"] = .object(["phase": .string("Pending")])
        case ("", "persistentvolumes"):
            object["status"] = .object(["phase": .string("Pending"), "lastPhaseTransitionTime": .string(Timestamp.now())])
        default:
            break
        }
    }

    /// Built-in kinds whose create strategy starts `metadata.generation` at 1 (the others leave
    /// it unset); custom resources always get it.
    static let generationKinds: Set<String> = [
        "Pod", "ReplicationController", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
        "HorizontalPodAutoscaler", "NetworkPolicy", "Ingress", "PodDisruptionBudget", "EndpointSlice",
        "CustomResourceDefinition", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding", "DeviceClass",
    ]

    static func tracksGeneration(_ r: ResourceInfo) -> Bool {
        guard GoLayout.isBuiltin(kind: r.kind, apiVersion: r.apiVersion) else { return true }
        return generationKinds.contains(r.kind)
    }

    static func qosClass(_ pod: JSONValue) -> String {
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        var anyRequests = false
        var guaranteed = !containers.isEmpty
        for c in containers {
            let requests = c["resources"]?["requests"]?.objectValue ?? [:]
            let limits = c["resources"]?["limits"]?.objectValue ?? [:]
            if !requests.isEmpty || !limits.isEmpty { anyRequests = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource] else { guaranteed = false; continue }
                if let request = requests[resource], request != limit { guaranteed = false }
            }
        }
        if guaranteed && anyRequests { return "Guaranteed" }
        return anyRequests ? "Burstable" : "BestEffort"
    }
}
