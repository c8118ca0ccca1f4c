import SkiffAPI

/// The dynamic client: the same verbs over any resource as `JSONValue` (client-go's
/// dynamic.Interface), for kinds without a generated type (custom resources).
extension Client {
    public func get(_ d: ResourceDescriptor, _ name: String, namespace: String? = nil) async throws -> JSONValue {
        try parse(try await send(ClientRequest(method: "GET", path: d.path(namespace: ns(d, namespace), name: name))))
    }

    /// The list object (`items`, `metadata.resourceVersion`).
    public func list(_ d: ResourceDescriptor, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> JSONValue {
        try parse(try await send(ClientRequest(method: "GET", path: d.path(namespace: namespace), query: options.query)))
    }

    public func create(_ d: ResourceDescriptor, _ object: JSONValue, namespace: String? = nil, options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        let namespace = namespace ?? object["metadata"]?["namespace"]?.stringValue
        return try parse(try await send(ClientRequest(method: "POST", path: d.path(namespace: ns(d, namespace)), query: options.query,
                                                      headers: ["content-type": "application/json"], body: object.serialized())))
    }

    public func update(_ d: ResourceDescriptor, _ object: JSONValue, subresource: String? = nil, options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        guard let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty else {
            throw ClientError(code: 0, reason: .invalid, message: "update needs metadata.name")
        }
        let namespace = object["metadata"]?["namespace"]?.stringValue
        return try parse(try await send(ClientRequest(method: "PUT", path: d.path(namespace: ns(d, namespace), name: name, subresource: subresource),
                                                      query: options.query, headers: ["content-type": "application/json"], body: object.serialized())))
    }

    public func patch(_ d: ResourceDescriptor, _ name: String, namespace: String? = nil, _ patch: Patch, subresource: String? = nil,
                      options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        try parse(try await send(ClientRequest(method: "PATCH", path: d.path(namespace: ns(d, namespace), name: name, subresource: subresource),
                                               query: options.query, headers: ["content-type": patch.kind.rawValue], body: patch.body)))
    }

    public func delete(_ d: ResourceDescriptor, _ name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()) async throws {
        _ = try await send(ClientRequest(method: "DELETE", path: d.path(namespace: ns(d, namespace), name: name),
                                         headers: ["content-type": "application/json"], body: options.body))
    }

    public func deleteCollection(_ d: ResourceDescriptor, namespace: String? = nil, list: ListOptions = ListOptions(),
                                 options: DeleteOptions = DeleteOptions()) async throws {
        _ = try await send(ClientRequest(method: "DELETE", path: d.path(namespace: namespace), query: list.query,
                                         headers: ["content-type": "application/json"], body: options.body))
    }

    public func watch(_ d: ResourceDescriptor, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> WatchEvents<JSONValue> {
        var q = options.query
        q.insert(("watch", "true"), at: 0)
        let response = try await sendStreaming(ClientRequest(method: "GET", path: d.path(namespace: namespace), query: q, streaming: true))
        return WatchEvents(response.body, decode: WatchEvent<JSONValue>.decodeDynamic)
    }

    private func parse(_ bytes: [UInt8]) throws -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch { throw ClientError.decoding("response", error) }
    }
}
