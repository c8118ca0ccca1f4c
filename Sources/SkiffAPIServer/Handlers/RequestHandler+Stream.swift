import Foundation
import SkiffAPI

// Owned by the kubelet work (issue 10 §4).
extension RequestHandler {
    /// `pods/{name}/exec`, `pods/{name}/attach` and `pods/{name}/portforward` (GET or POST with an
    /// HTTP upgrade): checked here (pod, container, node), then sent to the kubelet of the pod's node
    /// (`/exec/{ns}/{pod}/{container}`, `/attach/…`, `/portForward/{ns}/{pod}`) with the client's
    /// upgrade headers; when the kubelet switches protocols the connection becomes a byte tunnel,
    /// otherwise its refusal comes back as a Status.
    func podStream(_ sub: ResourceInfo.Subresource, _ r: ResourceInfo, route: ResourceRoute, request: APIRequest)
        async throws(APIError) -> APIResponse {
        guard let connection = nodeConnection, let name = route.name else { throw .internalError("no node connection") }
        let namespace = route.namespace ?? "default"
        let pod = try await readStored(r, namespace: route.namespace, name: name).object
        let spec = pod["spec"]
        var segments: [String]
        if sub == .portforward {
            segments = ["portForward", namespace, name]
        } else {
            let names = ((spec?["containers"]?.arrayValue ?? []) + (spec?["initContainers"]?.arrayValue ?? [])
                + (spec?["ephemeralContainers"]?.arrayValue ?? [])).compactMap { $0["name"]?.stringValue }
            let regular = (spec?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            var container = request.query["container"] ?? ""
            if container.isEmpty {
                guard regular.count == 1 else {
                    throw .badRequest("a container name must be specified for pod \(name), choose one of: [\(regular.joined(separator: " "))]")
                }
                container = regular[0]
            }
            guard names.contains(container) else { throw .badRequest("container \(container) is not valid for pod \(name)") }
            if sub == .exec, !request.rawQuery.contains("command=") {
                throw .badRequest("you must specify at least 1 command")
            }
            segments = [sub == .exec ? "exec" : "attach", namespace, name, container]
        }
        let phase = pod["status"]?["phase"]?.stringValue ?? ""
        if phase == "Succeeded" || phase == "Failed" {
            throw .badRequest("cannot \(sub == .portforward ? "port-forward to" : "\(sub.rawValue) into") a container in a completed pod; current phase is \(phase)")
        }
        guard let nodeName = spec?["nodeName"]?.stringValue, !nodeName.isEmpty else {
            throw .badRequest("pod \(name) does not have a host assigned")
        }
        guard let slot = request.tunnelSlot else {
            throw .badRequest("\(sub.rawValue) needs an upgraded HTTP connection to the API server")
        }
        let (host, port) = try await kubeletEndpoint(nodeName: nodeName)
        let path = "/" + segments.map(Self.percentEncode).joined(separator: "/") + (request.rawQuery.isEmpty ? "" : "?" + request.rawQuery)
        var lines = ["\(request.method) \(path) HTTP/1.1", "Host: \(host):\(port)"]
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key })
        where ["connection", "upgrade", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol",
               "x-stream-protocol-version", "content-length"].contains(name) {
            lines.append("\(name): \(value)")
        }
        let head = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        let answer: NodeTunnel.Answer
        do {
            answer = try await NodeTunnel.open(host: host, port: port, tls: connection.tls, request: head)
        } catch {
            throw APIError(code: 500, reason: .internalError, message: "error dialing backend: \(error)")
        }
        switch answer {
        case .upgraded(let tunnel):
            slot.put(tunnel)
            return .full(status: 101, headers: [], body: [])
        case .refused(let status, let body):
            let message = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            switch status {
            case 400: throw .badRequest(message)
            case 404: throw APIError(code: 404, reason: .notFound, message: message)
            case 401, 403: throw APIError(code: 403, reason: .forbidden, message: message)
            default: throw .internalError(message)
            }
        }
    }
}
