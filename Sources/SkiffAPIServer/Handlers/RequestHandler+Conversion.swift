import SkiffAPI

extension RequestHandler {
    /// Serves a resource version by converting to and from its storage version: request bodies are
    /// converted in, every object in a response (single, list items, Table rows, watch events) out,
    /// and a patch is applied to the served version of the current object, as Kubernetes does.
    func handleConverted(_ served: ResourceInfo, storage: ResourceInfo, route: ResourceRoute,
                         request: APIRequest) async throws(APIError) -> APIResponse {
        var storageRoute = route
        storageRoute.version = storage.version
        if request.method == "PATCH", route.name != nil, route.subresource == nil || route.subresource == "status" {
            return Self.convertOut(try await patch(storage, route: storageRoute, request: request, servedAs: served))
        }
        var storageRequest = request
        storageRequest.path = request.path.replacingOccurrences(
            of: "/\(served.group)/\(served.version)/", with: "/\(storage.group)/\(storage.version)/")
        if request.method == "POST" || request.method == "PUT", !request.body.isEmpty,
           var object = try? BodyDecoder.decode(request.body, contentType: request.header("content-type")) {
            // Undecodable bodies pass through unchanged so the handler reports them as usual. Clients
            // may leave out apiVersion and kind (the URL names them): they are the served version's.
            if case .object = object {
                if (object["kind"]?.stringValue ?? "").isEmpty { object["kind"] = .string(served.kind) }
                if (object["apiVersion"]?.stringValue ?? "").isEmpty { object["apiVersion"] = .string(served.apiVersion) }
            }
            storageRequest.body = HPAConversion.toV2(object).serialized()
            storageRequest.headers["content-type"] = "application/json"
        }
        return Self.convertOut(try await handleResource(storageRoute, storageRequest))
    }

    /// Converts every object in a JSON response (or watch stream) to the served version.
    static func convertOut(_ response: APIResponse) -> APIResponse {
        switch response {
        case .full(let status, let headers, let body):
            guard isJSON(headers), let value = try? JSONValue.parse(body) else { return response }
            return .full(status: status, headers: headers, body: convertOut(value).serialized())
        case .stream(let status, let headers, let chunks):
            guard isJSON(headers) else { return response }
            let (converted, continuation) = AsyncStream.makeStream(of: [UInt8].self)
            let pump = Task {
                // Watch events are newline-terminated JSON documents; chunks may split or join them.
                var pending: [UInt8] = []
                for await chunk in chunks {
                    pending += chunk
                    var start = 0
                    var out: [UInt8] = []
                    while let newline = pending[start...].firstIndex(of: 10) {
                        let line = Array(pending[start..<newline])
                        if let event = try? JSONValue.parse(line) { out += convertOut(event).serialized() } else { out += line }
                        out.append(10)
                        start = newline + 1
                    }
                    pending.removeFirst(start)
                    if !out.isEmpty { continuation.yield(out) }
                }
                if !pending.isEmpty { continuation.yield(pending) }
                continuation.finish()
            }
            continuation.onTermination = { _ in pump.cancel() }
            return .stream(status: status, headers: headers, chunks: converted)
        }
    }

    private static func isJSON(_ headers: [(String, String)]) -> Bool {
        headers.contains { $0.0.lowercased() == "content-type" && $0.1.contains("json") }
    }

    static func convertOut(_ value: JSONValue) -> JSONValue {
        guard case .object(var fields) = value else { return value }
        switch fields["kind"]?.stringValue {
        case "HorizontalPodAutoscaler":
            return HPAConversion.toV1(value)
        case "HorizontalPodAutoscalerList":
            fields["apiVersion"] = .string(HPAConversion.v1)
            // List items carry no kind/apiVersion (as in kube-apiserver); conversion needs them.
            if let items = fields["items"]?.arrayValue {
                fields["items"] = .array(items.map { item in
                    guard case .object(var typed) = item else { return item }
                    let untyped = typed["kind"] == nil
                    if untyped {
                        typed["kind"] = .string("HorizontalPodAutoscaler")
                        typed["apiVersion"] = .string("autoscaling/v2")
                    }
                    guard case .object(var converted) = HPAConversion.toV1(.object(typed)) else { return item }
                    if untyped {
                        converted["kind"] = nil
                        converted["apiVersion"] = nil
                    }
                    return .object(converted)
                })
            }
            return .object(fields)
        case "Table":
            guard let rows = fields["rows"]?.arrayValue else { return value }
            fields["rows"] = .array(rows.map { row in
                guard case .object(var cells) = row, let object = cells["object"] else { return row }
                cells["object"] = HPAConversion.toV1(object)
                return .object(cells)
            })
            return .object(fields)
        default:
            // A watch event: {"type": …, "object": …}.
            if fields["type"] != nil, let object = fields["object"] {
                fields["object"] = convertOut(object)
                return .object(fields)
            }
            return value
        }
    }
}
