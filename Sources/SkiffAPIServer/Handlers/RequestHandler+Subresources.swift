import Foundation
import SkiffAPI

extension RequestHandler {
    func handleSubresource(_ sub: String, resource r: ResourceInfo, route: ResourceRoute, request: APIRequest)
        async throws(APIError) -> APIResponse {
        guard let subresource = ResourceInfo.Subresource(rawValue: sub), r.has(subresource), let name = route.name else {
            throw APIError(code: 404, reason: .notFound,
                           message: "the server could not find the requested resource (\(r.qualifiedPlural)/\(sub))")
        }
        if let response = try await r.strategy.handleSubresource(subresource, resource: r, route: route, request: request, handler: self) {
            return response
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
            return .json(r.strategy.scale(of: current.object, resource: r))
        case (.scale, "PUT"), (.scale, "PATCH"):
            return try await updateScale(r, route: route, request: request)
        case (.log, "GET") where r.plural == "pods" && r.group.isEmpty && nodeConnection != nil:
            return try await podLogs(r, route: route, request: request)
        case (.exec, "GET"), (.exec, "POST"), (.attach, "GET"), (.attach, "POST"), (.portforward, "GET"), (.portforward, "POST")
        where r.plural == "pods" && r.group.isEmpty && nodeConnection != nil:
            return try await podStream(subresource, r, route: route, request: request)
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
            let scale = r.strategy.scale(of: current, resource: r)
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
            r.strategy.setScaleReplicas(replicas, in: &updated)
            let rv = target.metadata["resourceVersion"]?.stringValue ?? ""
            updated.setMetadata("resourceVersion", rv.isEmpty ? current.metadata["resourceVersion"] : .string(rv))
            return updated
        }
        let object = (try? JSONValue.parse(bytes)) ?? .null
        return .json(r.strategy.scale(of: object, resource: r))
    }

    static func success(code: Int) -> APIResponse {
        .json(.object(["kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:]),
                       "status": .string("Success"), "code": .int(Int64(code))]), status: code)
    }
}
