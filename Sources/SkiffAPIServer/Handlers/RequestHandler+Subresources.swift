import Foundation
import SkiffAPI

extension RequestHandler {
    func handleSubresource(_ sub: String, resource r: ResourceInfo, route: ResourceRoute, request: APIRequest)
        async throws(APIError) -> APIResponse {
        guard let subresource = ResourceInfo.Subresource(rawValue: sub), r.has(subresource), let name = route.name else {
            throw APIError(code: 404, reason: .notFound,
                           message: "the server could not find the requested resource (\(r.qualifiedPlural)/\(sub))")
        }
        switch (subresource, request.method) {
        case (.status, "GET"), (.approval, "GET"):
            return try await get(r, route: route, request: request)
        case (.status, "PUT"), (.approval, "PUT"):
            let form = try ResponseForm.negotiate(request)
            var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
            try checkTypeMeta(&object, r)
            let bytes = try await updateWithRetry(r, namespace: route.namespace, name: name, scope: subresource == .status ? .status : .main,
                                                  dryRun: request.dryRun) { _ in object }
            return respondObject(bytes, r, form: form)
        case (.status, "PATCH"), (.approval, "PATCH"):
            var patchRoute = route
            patchRoute.subresource = subresource == .status ? "status" : nil
            return try await patch(r, route: patchRoute, request: request)
        case (.scale, "GET"):
            let current = try await readStored(r, namespace: route.namespace, name: name)
            return .json(Self.scale(of: current.object, r))
        case (.scale, "PUT"), (.scale, "PATCH"):
            return try await updateScale(r, route: route, request: request)
        case (.binding, "POST"):
            return try await bind(r, namespace: route.namespace, name: name, request: request)
        case (.eviction, "POST"):
            return try await evict(r, namespace: route.namespace, name: name, request: request)
        case (.token, "POST"):
            return try await issueToken(namespace: route.namespace ?? "default", serviceAccount: name, request: request)
        case (.finalize, "PUT"):
            // As kube-apiserver's finalize strategy: everything but status from the body, spec.finalizers included.
            let form = try ResponseForm.negotiate(request)
            var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
            try checkTypeMeta(&object, r)
            if object.name.isEmpty { object.setMetadata("name", .string(name)) }
            guard object.name == name else {
                throw .badRequest("the name of the object (\(object.name)) does not match the name on the URL (\(name))")
            }
            let bytes = try await updateWithRetry(r, namespace: nil, name: name, scope: .finalize, dryRun: request.dryRun) { _ in object }
            return respondObject(bytes, r, form: form)
        case (.log, _), (.exec, _), (.attach, _), (.portforward, _), (.proxy, _):
            throw APIError(code: 503, reason: .serviceUnavailable,
                           message: "\(r.plural)/\(sub) is not available: it is served by the node agent, which is not connected to this API server yet")
        default:
            throw .methodNotAllowed("the server does not allow this method on \(r.qualifiedPlural)/\(sub)")
        }
    }

    // MARK: scale

    static func scale(of object: JSONValue, _ r: ResourceInfo) -> JSONValue {
        var metadata: [String: JSONValue] = [:]
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { metadata[key] = object.metadata[key] }
        let selectorJSON = object["spec"]?["selector"]
        var selector = ""
        if let matchLabels = selectorJSON?["matchLabels"]?.objectValue {
            selector = matchLabels.keys.sorted().map { "\($0)=\(matchLabels[$0]?.stringValue ?? "")" }.joined(separator: ",")
        } else if let plain = selectorJSON?.objectValue, r.group.isEmpty {
            selector = plain.keys.sorted().map { "\($0)=\(plain[$0]?.stringValue ?? "")" }.joined(separator: ",")
        }
        return .object([
            "kind": .string("Scale"), "apiVersion": .string("autoscaling/v1"), "metadata": .object(metadata),
            "spec": .object(["replicas": .int(object["spec"]?["replicas"]?.intValue ?? 0)]),
            "status": .object(["replicas": .int(object["status"]?["replicas"]?.intValue ?? 0), "selector": .string(selector)]),
        ])
    }

    private func updateScale(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let name = route.name ?? ""
        let body = try BodyDecoder.decode(request.body, contentType: request.method == "PUT" ? "application/json" : "application/json")
        let patchType = request.method == "PATCH" ? try Self.patchType(request) : nil
        let bytes = try await updateWithRetry(r, namespace: route.namespace, name: name, scope: .scale, dryRun: request.dryRun) {
            (current: JSONValue) throws(APIError) -> JSONValue in
            let scale = Self.scale(of: current, r)
            var target = body
            if let patchType {
                target = try Self.applyPatch(body, type: patchType, to: scale, kind: GroupVersionKind(group: "autoscaling", version: "v1", kind: "Scale"), resource: r)
            }
            guard let replicas = target["spec"]?["replicas"]?.intValue else {
                throw .invalid(r, name, [FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.replicas")])
            }
            if replicas < 0 {
                throw APIError(code: 422, reason: .invalid,
                               message: "Scale.autoscaling \"\(name)\" is invalid: spec.replicas: Invalid value: \(replicas): must be greater than or equal to 0",
                               name: name, group: "autoscaling", kind: "Scale",
                               causes: [FieldCause(reason: "FieldValueInvalid", message: "Invalid value: \(replicas): must be greater than or equal to 0", field: "spec.replicas")])
            }
            var updated = current
            var spec = updated["spec"] ?? .object([:])
            spec["replicas"] = .int(replicas)
            updated["spec"] = spec
            let rv = target.metadata["resourceVersion"]?.stringValue ?? ""
            updated.setMetadata("resourceVersion", rv.isEmpty ? current.metadata["resourceVersion"] : .string(rv))
            return updated
        }
        let object = (try? JSONValue.parse(bytes)) ?? .null
        return .json(Self.scale(of: object, r))
    }

    // MARK: pods/binding and pods/eviction

    func bind(_ r: ResourceInfo, namespace: String?, name: String, request: APIRequest) async throws(APIError) -> APIResponse {
        let binding = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        guard let node = binding["target"]?["name"]?.stringValue, !node.isEmpty else {
            throw .invalid(r, name, [FieldCause(reason: "FieldValueRequired", message: "Required value", field: "target.name")])
        }
        _ = try await updateWithRetry(r, namespace: namespace, name: name, scope: .all, dryRun: request.dryRun) {
            (pod: JSONValue) throws(APIError) -> JSONValue in
            if pod.metadata["deletionTimestamp"] != nil {
                throw APIError(code: 409, reason: .conflict, message: "pod \(name) is being deleted, cannot be assigned to a host",
                               name: name, kind: "pods")
            }
            if let existing = pod["spec"]?["nodeName"]?.stringValue, !existing.isEmpty {
                throw APIError(code: 409, reason: .conflict, message: "pod \(name) is already assigned to node \"\(existing)\"",
                               name: name, kind: "pods")
            }
            var updated = pod
            var spec = pod["spec"] ?? .object([:])
            spec["nodeName"] = .string(node)
            updated["spec"] = spec
            var status = pod["status"] ?? .object([:])
            var conditions = (status["conditions"]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "PodScheduled" }
            conditions.append(.object(["type": .string("PodScheduled"), "status": .string("True"),
                                       "lastProbeTime": .null, "lastTransitionTime": .string(Timestamp.now())]))
            status["conditions"] = .array(conditions)
            updated["status"] = status
            for (k, v) in binding.metadata["annotations"]?.objectValue ?? [:] {
                var annotations = updated.metadata["annotations"] ?? .object([:])
                annotations[k] = v
                updated.setMetadata("annotations", annotations)
            }
            return updated
        }
        return Self.success(code: 201)
    }

    func evict(_ r: ResourceInfo, namespace: String?, name: String, request: APIRequest) async throws(APIError) -> APIResponse {
        let eviction = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        let pod = try await readStored(r, namespace: namespace, name: name).object
        if let ns = namespace, pod.metadata["deletionTimestamp"] == nil,
           let pdbs = registry.resource(group: "policy", version: "v1", plural: "poddisruptionbudgets") {
            let labels = (pod.metadata["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            let budgets = try await cache(pdbs).list(filter: ObjectFilter(namespace: ns), after: nil, limit: nil, floor: 0).items
            for budget in budgets {
                let object = budget.object
                guard let selector = try? LabelSelector(json: object["spec"]?["selector"] ?? .null), !selector.isEverything,
                      selector.matches(labels) else { continue }
                if (object["status"]?["disruptionsAllowed"]?.intValue ?? 0) <= 0 {
                    throw APIError(code: 429, reason: .tooManyRequests,
                                   message: "Cannot evict pod as it would violate the pod's disruption budget.",
                                   name: name, kind: "pods", retryAfterSeconds: 10)
                }
            }
        }
        var options = try DeleteOptions(APIRequest(method: "DELETE", uri: "/", headers: [:], body: [], user: nil))
        options.gracePeriodSeconds = eviction["deleteOptions"]?["gracePeriodSeconds"]?.intValue
        options.dryRun = request.dryRun
        _ = try await deleteObject(r, namespace: namespace, name: name, options: options)
        return Self.success(code: 201)
    }

    static func success(code: Int) -> APIResponse {
        .json(.object(["kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:]),
                       "status": .string("Success"), "code": .int(Int64(code))]), status: code)
    }
}
