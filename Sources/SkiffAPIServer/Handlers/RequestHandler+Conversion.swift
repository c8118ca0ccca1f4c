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
            return Self.convertOut(try await patch(storage, route: storageRoute, request: request, servedAs: served), served: served, storage: storage)
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
            storageRequest.body = served.strategy.convertToStorage(object).serialized()
            storageRequest.headers["content-type"] = "application/json"
        }
        return Self.convertOut(try await handleResource(storageRoute, storageRequest), served: served, storage: storage)
    }

    /// Converts every object in a JSON response (or watch stream) to the served version.
    static func convertOut(_ response: APIResponse, served: ResourceInfo, storage: ResourceInfo) -> APIResponse {
        switch response {
        case .full(let status, let headers, let body):
            guard isJSON(headers), let value = try? JSONValue.parse(body) else { return response }
            return .full(status: status, headers: headers, body: convertOut(value, served: served, storage: storage).serialized())
        case .stream(let status, let headers, let chunks):
            guard isJSON(headers) else { return response }
            // Pulled line by line as the connection asks, so no queue grows here (see WatchSource).
            let source = LineConverter(chunks: chunks) { convertOut($0, served: served, storage: storage) }
            let converted = AsyncStream<[UInt8]>(unfolding: { await source.next() })
            return .stream(status: status, headers: headers, chunks: converted)
        }
    }

    private static func isJSON(_ headers: [(String, String)]) -> Bool {
        headers.contains { $0.0.lowercased() == "content-type" && $0.1.contains("json") }
    }

    static func convertOut(_ value: JSONValue, served: ResourceInfo, storage: ResourceInfo) -> JSONValue {
        guard case .object(var fields) = value else { return value }
        let kind = fields["kind"]?.stringValue
        if kind == storage.kind {
            return served.strategy.convertFromStorage(value)
        }
        if kind == storage.listKind {
            fields["apiVersion"] = .string(served.apiVersion)
            // List items carry no kind/apiVersion (as in kube-apiserver); conversion needs them.
            if let items = fields["items"]?.arrayValue {
                fields["items"] = .array(items.map { item in
                    guard case .object(var typed) = item else { return item }
                    let untyped = typed["kind"] == nil
                    if untyped {
                        typed["kind"] = .string(storage.kind)
                        typed["apiVersion"] = .string(storage.apiVersion)
                    }
                    guard case .object(var converted) = served.strategy.convertFromStorage(.object(typed)) else { return item }
                    if untyped {
                        converted["kind"] = nil
                        converted["apiVersion"] = nil
                    }
                    return .object(converted)
                })
            }
            return .object(fields)
        }
        if kind == "Table" {
            guard let rows = fields["rows"]?.arrayValue else { return value }
            fields["rows"] = .array(rows.map { row in
                guard case .object(var cells) = row, let object = cells["object"] else { return row }
                cells["object"] = served.strategy.convertFromStorage(object)
                return .object(cells)
            })
            return .object(fields)
        }
        // A watch event: {"type": …, "object": …}.
        if fields["type"] != nil, let object = fields["object"] {
            fields["object"] = convertOut(object, served: served, storage: storage)
            return .object(fields)
        }
        return value
    }
}

/// Converts newline-terminated JSON documents (watch events) pulled from `chunks`, which may split
/// or join them. Only one unfolding closure calls `next`, one call at a time.
final class LineConverter: @unchecked Sendable {
    private var iterator: AsyncStream<[UInt8]>.AsyncIterator
    private let convert: @Sendable (JSONValue) -> JSONValue
    private var pending: [UInt8] = []
    private var done = false

    init(chunks: AsyncStream<[UInt8]>, convert: @escaping @Sendable (JSONValue) -> JSONValue) {
        iterator = chunks.makeAsyncIterator()
        self.convert = convert
    }

    func next() async -> [UInt8]? {
        while !done {
            guard let chunk = await iterator.next() else {
                done = true
                return pending.isEmpty ? nil : pending
            }
            pending += chunk
            var start = 0
            var out: [UInt8] = []
            while let newline = pending[start...].firstIndex(of: 10) {
                let line = Array(pending[start..<newline])
                if let event = try? JSONValue.parse(line) { out += convert(event).serialized() } else { out += line }
                out.append(10)
                start = newline + 1
            }
            pending.removeFirst(start)
            if !out.isEmpty { return out }
        }
        return nil
    }
}
