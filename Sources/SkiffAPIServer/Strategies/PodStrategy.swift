import Foundation
import SkiffAPI

/// Pods: start Pending with their QoS class, take metadata through /status, are deleted
/// gracefully once on a node (their kubelet confirms), and serve binding and eviction.
struct PodStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        object["status"] = .object(["phase": .string("Pending"), "qosClass": .string(Self.qosClass(object))])
    }

    func resetFields(proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, resource r: ResourceInfo) -> JSONValue {
        StatusRules.resetFieldsWithStatusMetadata(proposed: proposed, old: old, scope: scope, resource: r)
    }

    /// A pod marked for deletion stays until its kubelet confirms, finalizers or not.
    func shouldDeleteDuringUpdate(_ object: JSONValue) -> Bool { false }

    /// Graceful pod deletion: the kubelet of the pod's node confirms with grace 0.
    func gracefulDeletionPeriod(_ object: JSONValue, options: RequestHandler.DeleteOptions) -> Int64? {
        guard let node = object["spec"]?["nodeName"]?.stringValue, !node.isEmpty else { return nil }
        let phase = object["status"]?["phase"]?.stringValue ?? ""
        let grace = options.gracePeriodSeconds ?? object["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 30
        guard grace > 0, phase != "Succeeded", phase != "Failed" else { return nil }
        return grace
    }

    func handleSubresource(_ sub: ResourceInfo.Subresource, resource r: ResourceInfo, route: ResourceRoute,
                           request: APIRequest, handler: RequestHandler) async throws(APIError) -> APIResponse? {
        guard let name = route.name else { return nil }
        switch (sub, request.method) {
        case (.binding, "POST"):
            return try await Self.bind(r, namespace: route.namespace, name: name, request: request, handler: handler)
        case (.eviction, "POST"):
            return try await Self.evict(r, namespace: route.namespace, name: name, request: request, handler: handler)
        default:
            return nil
        }
    }

    var selectableFields: [String] {
        ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
         "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"]
    }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] {
        let hostNetwork = o.text("spec", "hostNetwork")
        return [
            "spec.nodeName": o.text("spec", "nodeName"),
            "spec.restartPolicy": o.text("spec", "restartPolicy"),
            "spec.schedulerName": o.text("spec", "schedulerName"),
            "spec.serviceAccountName": o.text("spec", "serviceAccountName"),
            "spec.hostNetwork": hostNetwork.isEmpty ? "false" : hostNetwork,
            "status.phase": o.text("status", "phase"),
            "status.podIP": o.text("status", "podIP"),
            "status.nominatedNodeName": o.text("status", "nominatedNodeName"),
        ]
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

    // MARK: pods/binding and pods/eviction

    /// Assigns the pod to a node (pods/binding, and the Binding kind).
    static func bind(_ r: ResourceInfo, namespace: String?, name: String, request: APIRequest,
                     handler: RequestHandler) async throws(APIError) -> APIResponse {
        let binding = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        guard let node = binding["target"]?["name"]?.stringValue, !node.isEmpty else {
            throw .invalid(r, name, [FieldCause(reason: "FieldValueRequired", message: "Required value", field: "target.name")])
        }
        _ = try await handler.updateWithRetry(r, namespace: namespace, name: name, scope: .all, dryRun: request.dryRun) {
            (pod: JSONValue) throws(APIError) -> JSONValue in
            if pod.metadata["deletionTimestamp"] != nil {
                throw APIError(code: 409, reason: .conflict, message: "pod \(name) is being deleted, cannot be assigned to a host",
                               name: name, kind: r.plural)
            }
            if let existing = pod["spec"]?["nodeName"]?.stringValue, !existing.isEmpty {
                throw APIError(code: 409, reason: .conflict, message: "pod \(name) is already assigned to node \"\(existing)\"",
                               name: name, kind: r.plural)
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
        return RequestHandler.success(code: 201)
    }

    /// Deletes the pod unless a PodDisruptionBudget selecting it allows no disruption (429).
    static func evict(_ r: ResourceInfo, namespace: String?, name: String, request: APIRequest,
                      handler: RequestHandler) async throws(APIError) -> APIResponse {
        let eviction = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        let pod = try await handler.readStored(r, namespace: namespace, name: name).object
        if let ns = namespace, pod.metadata["deletionTimestamp"] == nil,
           let pdbs = handler.registry.resource(group: "policy", version: "v1", plural: "poddisruptionbudgets") {
            let labels = (pod.metadata["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            let budgets = try await handler.cache(pdbs).list(filter: ObjectFilter(namespace: ns), after: nil, limit: nil, floor: 0).items
            for budget in budgets {
                let object = budget.object
                guard let selector = try? LabelSelector(json: object["spec"]?["selector"] ?? .null), !selector.isEverything,
                      selector.matches(labels) else { continue }
                if (object["status"]?["disruptionsAllowed"]?.intValue ?? 0) <= 0 {
                    throw APIError(code: 429, reason: .tooManyRequests,
                                   message: "Cannot evict pod as it would violate the pod's disruption budget.",
                                   name: name, kind: r.plural, retryAfterSeconds: 10)
                }
            }
        }
        var options = try RequestHandler.DeleteOptions(APIRequest(method: "DELETE", uri: "/", headers: [:], body: [], user: nil))
        options.gracePeriodSeconds = eviction["deleteOptions"]?["gracePeriodSeconds"]?.intValue
        options.dryRun = request.dryRun
        _ = try await handler.deleteObject(r, namespace: namespace, name: name, options: options)
        return RequestHandler.success(code: 201)
    }
}

/// The Binding kind (POST /namespaces/{ns}/bindings): the older form of pods/binding.
struct BindingStrategy: ResourceStrategy {
    func createVirtual(_ object: JSONValue, resource r: ResourceInfo, route: ResourceRoute, request: APIRequest,
                       handler: RequestHandler) async throws(APIError) -> APIResponse {
        guard let pods = handler.registry.resource(group: "", version: "v1", plural: "pods") else { throw .pathNotFound() }
        return try await PodStrategy.bind(pods, namespace: route.namespace, name: object.name, request: request, handler: handler)
    }
}
