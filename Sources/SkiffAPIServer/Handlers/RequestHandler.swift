import Foundation
import Logging
import SkiffAPI
import SkiffStore

/// Routes authenticated requests to discovery, OpenAPI, health and the resource handlers.
final class RequestHandler: Sendable {
    let registry: ResourceRegistry
    let store: any Store
    let caches: WatchCacheSet
    let authenticator: Authenticator
    let metrics = Metrics()
    let allocator: ServiceAllocator
    let openAPI: OpenAPICache
    let serverAddress: String
    /// How often a watch with `allowWatchBookmarks` gets a progress BOOKMARK.
    let bookmarkInterval: Duration
    /// Namespace content is deleted by the namespace controller, not by the DELETE itself.
    let namespaceController: Bool
    let limiter: InflightLimiter
    let logger: Logger
    /// How streaming subresources reach kubelets (nil without a PKI: they answer 503).
    let nodeConnection: NodeConnection?

    init(registry: ResourceRegistry, store: any Store, caches: WatchCacheSet, authenticator: Authenticator,
         allocator: ServiceAllocator, serverAddress: String, bookmarkInterval: Duration = .seconds(30),
         namespaceController: Bool = false, limits: RequestLimits = RequestLimits(), logger: Logger,
         nodeConnection: NodeConnection? = nil) {
        self.nodeConnection = nodeConnection
        self.registry = registry
        self.store = store
        self.caches = caches
        self.authenticator = authenticator
        self.allocator = allocator
        self.openAPI = OpenAPICache(registry: registry)
        self.serverAddress = serverAddress
        self.bookmarkInterval = bookmarkInterval
        self.namespaceController = namespaceController
        self.limiter = InflightLimiter(limits: limits)
        self.logger = logger
    }

    private static let anonymousPaths: Set<String> = ["/healthz", "/livez", "/readyz", "/version"]

    func handle(_ incoming: APIRequest, peer: UserInfo?) async -> APIResponse {
        let started = ContinuousClock.now
        var request = incoming
        request.user = await authenticate(request.header("authorization")) ?? peer
        let route = ResourceRoute.parse(request.rawPath)
        let response: APIResponse
        if request.user == nil, !Self.anonymousPaths.contains(request.path) {
            response = .error(APIError(code: 401, reason: .unauthorized, message: "Unauthorized"))
        } else {
            response = await limited(request, route: route)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let (verb, resource) = metricLabels(request, route: route)
        metrics.record(verb: verb, resource: resource, code: response.statusCode, seconds: seconds)
        return response
    }

    /// The `--max-requests-inflight` filter and the request deadline, in upstream's order (after
    /// authentication). Long-running requests (watch, exec, logs, …) are neither counted nor timed
    /// out here; `system:masters` is not counted, as upstream exempts it.
    private func limited(_ request: APIRequest, route: ResourceRoute?) async -> APIResponse {
        if InflightLimiter.isLongRunning(request, route: route) { return await serve(request, route: route) }
        let counted = request.user?.groups.contains("system:masters") != true
        let mutating = InflightLimiter.isMutating(request)
        if counted {
            guard limiter.acquire(mutating: mutating) else { return InflightLimiter.tooManyRequests }
        }
        defer { if counted { limiter.release(mutating: mutating) } }
        let timeout: Duration
        do throws(APIError) { timeout = try limiter.deadline(for: request) } catch { return .error(error) }
        // The handler is cancelled at the deadline; its stores and caches give up at their next
        // suspension point, so the group (and the slot) ends promptly too.
        return await withTaskGroup(of: APIResponse?.self) { group in
            group.addTask { await self.serve(request, route: route) }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                return InflightLimiter.timedOut()
            }
            var response = InflightLimiter.timedOut()
            for await finished in group {
                if let finished { response = finished; break }
            }
            group.cancelAll()
            return response
        }
    }

    private func serve(_ request: APIRequest, route: ResourceRoute?) async -> APIResponse {
        do throws(APIError) {
            if let route { return try await handleResource(route, request) }
            return try await handleNonResource(request)
        } catch {
            return .error(error)
        }
    }

    private static let metricVerbs: Set<String> = ["GET", "LIST", "WATCH", "POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION",
                                                   "HEAD", "OPTIONS"]

    /// Metric labels only from fixed sets (the registry's resources and subresources, known verbs),
    /// never from the URL, and one label for unauthenticated requests: a client cannot grow
    /// /metrics without bound or inject series.
    func metricLabels(_ request: APIRequest, route: ResourceRoute?) -> (verb: String, resource: String) {
        guard request.user != nil else { return ("other", "unauthenticated") }
        var verb = Self.verb(method: request.method, route: route, watch: request.flag("watch"))
        if !Self.metricVerbs.contains(verb) { verb = "other" }
        guard let route else { return (verb, "") }
        guard let r = registry.resource(group: route.group, version: route.version, plural: route.plural) else {
            return (verb, "unknown")
        }
        guard let sub = route.subresource else { return (verb, r.plural) }
        guard let known = ResourceInfo.Subresource(rawValue: sub), r.has(known) else { return (verb, "unknown") }
        return (verb, "\(r.plural)/\(known.rawValue)")
    }

    static func verb(method: String, route: ResourceRoute?, watch: Bool) -> String {
        switch method {
        case "GET": return route == nil ? "GET" : (watch ? "WATCH" : (route?.name == nil ? "LIST" : "GET"))
        case "POST": return "POST"
        case "PUT": return "PUT"
        case "PATCH": return "PATCH"
        case "DELETE": return route?.name == nil ? "DELETECOLLECTION" : "DELETE"
        default: return method
        }
    }

    private func handleNonResource(_ request: APIRequest) async throws(APIError) -> APIResponse {
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        guard request.method == "GET" || request.method == "HEAD" else {
            if path.hasPrefix("/api") { throw .methodNotAllowed("the server does not allow this method on the requested resource") }
            throw .pathNotFound()
        }
        switch path {
        case "/healthz", "/livez", "/readyz":
            return caches.clock.current >= 0 ? .text("ok") : .text("not ready: watch caches are loading", status: 500)
        case _ where path.hasPrefix("/healthz/") || path.hasPrefix("/livez/") || path.hasPrefix("/readyz/"):
            return .text("ok")
        case "/version":
            return .json(Self.versionInfo)
        case "/metrics":
            return .text(metrics.render(extra: [("apiserver_storage_revision", Double(caches.clock.current))]),
                         contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "/api", "/apis":
            return discovery(path: path, request: request)
        case "/openapi/v3":
            return .json(openAPI.index())
        case "/openapi/v2":
            throw APIError(code: 404, reason: .notFound, message: "the server serves OpenAPI v3 only (/openapi/v3)")
        default:
            if path.hasPrefix("/openapi/v3/") {
                let gv = String(path.dropFirst("/openapi/v3/".count))
                guard let doc = openAPI.document(groupVersionPath: gv) else { throw .pathNotFound() }
                return .bytes(doc, extraHeaders: [("Cache-Control", "public, immutable")])
            }
            if let response = groupDiscovery(path: path) { return response }
            throw .pathNotFound()
        }
    }

    static let versionInfo: JSONValue = .object([
        "major": .string("1"), "minor": .string("37"), "gitVersion": .string("v1.37.0-skiff"),
        "gitCommit": .string("skiff"), "gitTreeState": .string("clean"), "buildDate": .string("2026-11-22T00:00:00Z"),
        "goVersion": .string("swift6"), "compiler": .string("swiftc"), "platform": .string("linux/amd64"),
        "emulationMajor": .string("1"), "emulationMinor": .string("37"),
        "minCompatibilityMajor": .string("1"), "minCompatibilityMinor": .string("36"),
    ])

    func handleResource(_ route: ResourceRoute, _ request: APIRequest) async throws(APIError) -> APIResponse {
        if route.hasEncodedSlash { throw .pathNotFound() }
        guard registry.servesGroupVersion(group: route.group, version: route.version) else { throw .pathNotFound() }
        guard let r = registry.resource(group: route.group, version: route.version, plural: route.plural) else {
            throw .pathNotFound()
        }
        if r.namespaced, route.namespace == nil {
            // kube-apiserver serves a namespaced resource without a namespace for list and watch
            // only: no named objects there (404), and no create or deletecollection across all
            // namespaces (405), so `DELETE /api/v1/secrets` cannot empty every namespace.
            if route.name != nil { throw .pathNotFound() }
            guard request.method == "GET" || request.method == "HEAD" else {
                throw .methodNotAllowed("the server does not allow this method on the requested resource")
            }
        }
        if let storageVersion = r.storageVersion {
            guard let storage = registry.resource(group: r.group, version: storageVersion, plural: r.plural) else {
                throw .internalError("no storage version \(storageVersion) for \(r.qualifiedPlural)")
            }
            return try await handleConverted(r, storage: storage, route: route, request: request)
        }
        if route.namespace != nil, !r.namespaced { throw .pathNotFound() }
        if let sub = route.subresource {
            return try await handleSubresource(sub, resource: r, route: route, request: request)
        }
        let verb: String
        switch (request.method, route.name) {
        case ("GET", nil): verb = request.flag("watch") ? "watch" : "list"
        case ("GET", _): verb = "get"
        case ("POST", nil): verb = "create"
        case ("PUT", _?): verb = "update"
        case ("PATCH", _?): verb = "patch"
        case ("DELETE", _?): verb = "delete"
        case ("DELETE", nil): verb = "deletecollection"
        default: throw .methodNotAllowed("the server does not allow this method on the requested resource")
        }
        guard r.verbs.contains(verb) else {
            throw .methodNotAllowed("the server does not allow this method on the requested resource")
        }
        try validateOptions(verb: verb, request: request)
        if !r.persisted {
            if verb == "create" { return try await createVirtual(r, route: route, request: request) }
            if verb == "list" || verb == "get" { return try r.strategy.readVirtual(resource: r, route: route, handler: self) }
            throw .methodNotAllowed("the server does not allow this method on the requested resource")
        }
        switch verb {
        case "list": return try await list(r, route: route, request: request)
        case "watch": return try await watch(r, route: route, request: request)
        case "get": return try await get(r, route: route, request: request)
        case "create": return try await create(r, route: route, request: request)
        case "update": return try await update(r, route: route, request: request)
        case "patch": return try await patch(r, route: route, request: request)
        case "delete": return try await delete(r, route: route, request: request)
        default: return try await deleteCollection(r, route: route, request: request)
        }
    }
}
