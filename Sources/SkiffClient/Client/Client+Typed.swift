import Foundation
import SkiffAPI

/// A list response: the items and the list's resourceVersion (the revision to watch from).
public struct ObjectList<T: APIObject>: Decodable, Sendable {
    public var metadata: MetaV1.ListMeta?
    public var items: [T]

    public var resourceVersion: String { metadata?.resourceVersion ?? "" }

    enum CodingKeys: String, CodingKey { case metadata, items }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(MetaV1.ListMeta.self, forKey: .metadata)
        items = try c.decodeIfPresent([T].self, forKey: .items) ?? []
    }
}

func decodeBody<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
    do {
        return try JSONValueDecoder.decode(T.self, from: try JSONValue.parse(bytes))
    } catch {
        throw ClientError.decoding(String(describing: T.self), error)
    }
}

func encodeBody<T: Encodable>(_ value: T) throws -> [UInt8] {
    do {
        return Array(try JSONEncoder().encode(value))
    } catch {
        throw ClientError(code: 0, reason: .decoding, message: "cannot encode \(T.self): \(error)")
    }
}

/// Typed verbs over the generated API types. Namespaced objects take their namespace from
/// `namespace:` or, for writes, from `metadata.namespace` ("default" when both are empty).
extension Client {
    public func get<T: APIObject>(_ type: T.Type, _ name: String, namespace: String? = nil) async throws -> T {
        let d = ResourceDescriptor.of(T.self)
        return try decodeBody(T.self, try await send(ClientRequest(method: "GET", path: d.path(namespace: ns(d, namespace), name: name))))
    }

    /// Lists objects; `namespace` nil lists all namespaces.
    public func list<T: APIObject>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> ObjectList<T> {
        let d = ResourceDescriptor.of(T.self)
        let body = try await send(ClientRequest(method: "GET", path: d.path(namespace: namespace), query: options.query))
        return try decodeBody(ObjectList<T>.self, body)
    }

    public func create<T: APIObject>(_ object: T, options: WriteOptions = WriteOptions()) async throws -> T {
        let d = ResourceDescriptor.of(T.self)
        var object = object
        object.setTypeMeta()
        let request = ClientRequest(method: "POST", path: d.path(namespace: ns(d, object.metadata?.namespace)),
                                    query: options.query, headers: ["content-type": "application/json"], body: try encodeBody(object))
        return try decodeBody(T.self, try await send(request))
    }

    /// Replaces the object (PUT); its `metadata.resourceVersion` makes the write conditional.
    public func update<T: APIObject>(_ object: T, options: WriteOptions = WriteOptions()) async throws -> T {
        try await put(object, subresource: nil, options: options)
    }

    /// Replaces the object's status (PUT on the status subresource).
    public func updateStatus<T: APIObject>(_ object: T, options: WriteOptions = WriteOptions()) async throws -> T {
        try await put(object, subresource: "status", options: options)
    }

    private func put<T: APIObject>(_ object: T, subresource: String?, options: WriteOptions) async throws -> T {
        let d = ResourceDescriptor.of(T.self)
        var object = object
        object.setTypeMeta()
        guard let name = object.metadata?.name, !name.isEmpty else {
            throw ClientError(code: 0, reason: .invalid, message: "update needs metadata.name")
        }
        let request = ClientRequest(method: "PUT", path: d.path(namespace: ns(d, object.metadata?.namespace), name: name, subresource: subresource),
                                    query: options.query, headers: ["content-type": "application/json"], body: try encodeBody(object))
        return try decodeBody(T.self, try await send(request))
    }

    public func patch<T: APIObject>(_ type: T.Type, _ name: String, namespace: String? = nil, _ patch: Patch,
                                    subresource: String? = nil, options: WriteOptions = WriteOptions()) async throws -> T {
        let d = ResourceDescriptor.of(T.self)
        let request = ClientRequest(method: "PATCH", path: d.path(namespace: ns(d, namespace), name: name, subresource: subresource),
                                    query: options.query, headers: ["content-type": patch.kind.rawValue], body: patch.body)
        return try decodeBody(T.self, try await send(request))
    }

    /// Deletes one object. Returns normally when the server accepted the deletion (the object
    /// may live on with a deletionTimestamp until its finalizers and grace period are done).
    public func delete<T: APIObject>(_ type: T.Type, _ name: String, namespace: String? = nil,
                                     options: DeleteOptions = DeleteOptions()) async throws {
        let d = ResourceDescriptor.of(T.self)
        _ = try await send(ClientRequest(method: "DELETE", path: d.path(namespace: ns(d, namespace), name: name),
                                         headers: ["content-type": "application/json"], body: options.body))
    }

    public func deleteCollection<T: APIObject>(_ type: T.Type, namespace: String? = nil, list: ListOptions = ListOptions(),
                                               options: DeleteOptions = DeleteOptions()) async throws {
        let d = ResourceDescriptor.of(T.self)
        _ = try await send(ClientRequest(method: "DELETE", path: d.path(namespace: ns(d, namespace)), query: list.query,
                                         headers: ["content-type": "application/json"], body: options.body))
    }

    /// POSTs `body` to a subresource (`pods/binding`, `pods/eviction`) and returns the reply.
    public func create<T: APIObject, Body: Encodable>(_ body: Body, subresource: String, of type: T.Type, name: String,
                                                      namespace: String? = nil, options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        let d = ResourceDescriptor.of(T.self)
        let request = ClientRequest(method: "POST", path: d.path(namespace: ns(d, namespace), name: name, subresource: subresource),
                                    query: options.query, headers: ["content-type": "application/json"], body: try encodeBody(body))
        let reply = try await send(request)
        return (try? JSONValue.parse(reply)) ?? .null
    }

    /// Opens a watch. The sequence ends when the server closes the watch and throws
    /// `ClientError` (e.g. reason Gone) for an ERROR event or a failed connection.
    public func watch<T: APIObject>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> WatchEvents<T> {
        let d = ResourceDescriptor.of(T.self)
        var q = options.query
        q.insert(("watch", "true"), at: 0)
        let response = try await sendStreaming(ClientRequest(method: "GET", path: d.path(namespace: namespace), query: q, streaming: true))
        return WatchEvents(response.body, decode: WatchEvent<T>.typedDecoder())
    }

    func ns(_ d: ResourceDescriptor, _ namespace: String?) -> String? {
        guard d.namespaced else { return nil }
        if let namespace, !namespace.isEmpty { return namespace }
        return "default"
    }
}
