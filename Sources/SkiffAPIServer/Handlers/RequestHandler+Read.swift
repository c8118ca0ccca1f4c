import Foundation
import SkiffAPI
import SkiffStore

extension RequestHandler {
    func cache(_ r: ResourceInfo) throws(APIError) -> WatchCache {
        guard let cache = caches.cache(for: r) else { throw .internalError("no watch cache for \(r.qualifiedPlural)") }
        return cache
    }

    /// Waits until the caches reflect the requested resourceVersion: "" = the store's current
    /// revision (a consistent read), "0" = whatever the cache has, N = at least N.
    func waitForFreshness(_ resourceVersion: String?) async throws(APIError) {
        let target: Int64
        switch resourceVersion {
        case nil, "":
            do { target = try await store.currentRevision() } catch {
                throw APIError.from(store: error, resource: registry.all[0], name: "")
            }
        case "0":
            return
        case let text?:
            guard let n = Int64(text), n >= 0 else { throw .badRequest("invalid resource version \"\(text)\"") }
            target = n
        }
        if await !caches.clock.wait(for: target, timeout: .seconds(3)) {
            throw APIError(code: 504, reason: .timeout, message: "Too large resource version: \(target), current: \(caches.clock.current)",
                           retryAfterSeconds: 1)
        }
    }

    func filter(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) throws(APIError) -> ObjectFilter {
        var filter = ObjectFilter(namespace: r.namespaced ? route.namespace : nil)
        if let text = request.query["labelSelector"], !text.isEmpty {
            do throws(SelectorError) { filter.labelSelector = try LabelSelector(parsing: text) } catch {
                throw .badRequest("unable to parse requirement: \(error.message)")
            }
        }
        if let text = request.query["fieldSelector"], !text.isEmpty {
            let supported = SelectableFields.supported(r)
            for part in text.split(separator: ",") {
                let field = part.split(whereSeparator: { $0 == "=" || $0 == "!" }).first.map {
                    $0.trimmingCharacters(in: .whitespaces) } ?? ""
                if !supported.contains(field) {
                    throw .badRequest("field label not supported: \(field)")
                }
            }
            do throws(SelectorError) { filter.fieldSelector = try FieldSelector(parsing: text) } catch { throw .badRequest(error.message) }
        }
        return filter
    }

    func get(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        let name = route.name ?? ""
        try await waitForFreshness(request.query["resourceVersion"])
        guard let object = try await cache(r).get(key: r.key(namespace: route.namespace, name: name)) else {
            throw .notFound(r, name)
        }
        return respondObject(object.bytes, r, form: form)
    }

    // MARK: list

    struct ContinueToken: Codable {
        var rv: Int64
        var start: String
    }

    static func encodeContinue(revision: Int64, lastKey: String) -> String {
        let data = (try? JSONEncoder().encode(ContinueToken(rv: revision, start: lastKey))) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeContinue(_ text: String) throws(APIError) -> ContinueToken {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let token = try? JSONDecoder().decode(ContinueToken.self, from: data) else {
            throw .badRequest("continue key is not valid: illegal base64 data")
        }
        return token
    }

    func list(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        let filter = try filter(r, route: route, request: request)
        let limit = Int(request.query["limit"] ?? "").flatMap { $0 > 0 ? $0 : nil }
        let cache = try cache(r)
        var items: [CachedObject]
        var revision: Int64
        var more: Bool
        if let text = request.query["continue"], !text.isEmpty {
            let token = try Self.decodeContinue(text)
            (items, more) = try await listFromStore(r, filter: filter, revision: token.rv, after: token.start, limit: limit)
            revision = token.rv
        } else if request.query["resourceVersionMatch"] == "Exact", let text = request.query["resourceVersion"],
                  let exact = Int64(text) {
            if exact > caches.clock.current { try await waitForFreshness(text) }
            if let page = await cache.listExact(filter: filter, revision: exact, limit: limit, clock: caches.clock) {
                (items, more) = page
            } else {
                (items, more) = try await listFromStore(r, filter: filter, revision: exact, after: nil, limit: limit)
            }
            revision = exact
        } else {
            try await waitForFreshness(request.query["resourceVersion"])
            let page = await cache.list(filter: filter, after: nil, limit: limit, floor: caches.clock.current)
            (items, revision, more) = (page.items, page.revision, page.more)
        }
        let continueToken = more ? items.last.map { Self.encodeContinue(revision: revision, lastKey: $0.key) } : nil
        switch form {
        case .object:
            return .bytes(listBytes(r, items: items, revision: revision, continueToken: continueToken))
        case .partialMetadata:
            var metadata: [String: JSONValue] = ["resourceVersion": .string(String(revision))]
            if let continueToken { metadata["continue"] = .string(continueToken) }
            let list = JSONValue.object([
                "kind": .string("PartialObjectMetadataList"), "apiVersion": .string("meta.k8s.io/v1"),
                "metadata": .object(metadata), "items": .array(items.map { Self.partialMetadata($0.object) }),
            ])
            return .json(list)
        case .table(let include):
            let table = Self.table(items.map(\.object), r, includeObject: include, resourceVersion: String(revision),
                                   continueToken: continueToken)
            return .json(table, contentType: ResponseForm.tableContentType)
        }
    }

    /// `{"kind":"PodList",…,"items":[…]}` assembled from the cached bytes without re-encoding them.
    func listBytes(_ r: ResourceInfo, items: [CachedObject], revision: Int64, continueToken: String?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(items.reduce(128) { $0 + $1.bytes.count + 1 })
        // ListMeta in Go order: resourceVersion, continue.
        out.append(contentsOf: #"{"kind":"\#(r.listKind)","apiVersion":"\#(r.apiVersion)","metadata":{"resourceVersion":"#.utf8)
        JSONValue.string(String(revision)).serialized(into: &out)
        if let continueToken {
            out.append(contentsOf: #","continue":"#.utf8)
            JSONValue.string(continueToken).serialized(into: &out)
        }
        out.append(contentsOf: #"},"items":["#.utf8)
        let typeMeta = Self.itemTypeMeta(r)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendListItem(item.bytes, typeMeta: typeMeta, into: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// The `{"kind":…,"apiVersion":…,` prefix an encoded object of `r` starts with.
    static func itemTypeMeta(_ r: ResourceInfo) -> [UInt8] {
        Array(#"{"kind":"\#(r.kind)","apiVersion":"\#(r.apiVersion)","#.utf8)
    }

    /// Appends an encoded object as a list item. kube-apiserver's list items carry no
    /// kind/apiVersion (the list says it once); encoded built-in objects start with exactly that
    /// prefix, so it is skipped rather than re-encoded. Custom resources (sorted keys, as
    /// kube-apiserver's unstructured lists) keep theirs.
    static func appendListItem(_ item: [UInt8], typeMeta: [UInt8], into out: inout [UInt8]) {
        item.withUnsafeBufferPointer { bytes in
            typeMeta.withUnsafeBufferPointer { prefix in
                if bytes.count > prefix.count, let b = bytes.baseAddress, let p = prefix.baseAddress,
                   memcmp(b, p, prefix.count) == 0 {
                    out.append(UInt8(ascii: "{"))
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[prefix.count...]))
                } else {
                    out.append(contentsOf: bytes)
                }
            }
        }
    }

    /// A consistent page at an older revision, read from the store (continuations, Exact lists).
    func listFromStore(_ r: ResourceInfo, filter: ObjectFilter, revision: Int64, after: String?, limit: Int?)
        async throws(APIError) -> (items: [CachedObject], more: Bool) {
        var items: [CachedObject] = []
        var cursor = after
        let prefix = r.keyPrefix(namespace: filter.namespace)
        do {
            while true {
                let page = try await store.list(prefix: prefix, atRevision: revision, limit: max(limit ?? 500, 100),
                                                continueAfter: cursor)
                for kv in page.items {
                    guard let o = CachedObject.decode(key: kv.key, value: kv.value, revision: kv.modRevision, resource: r),
                          filter.matches(o) else { continue }
                    if let limit, items.count == limit { return (items, true) }
                    items.append(o)
                }
                cursor = page.items.last?.key
                if !page.more || cursor == nil { return (items, false) }
            }
        } catch let error as StoreError {
            if case .compacted = error {
                throw APIError(code: 410, reason: .expired,
                               message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            }
            throw APIError.from(store: error, resource: r, name: "")
        } catch {
            throw APIError.from(store: error, resource: r, name: "")
        }
    }
}
