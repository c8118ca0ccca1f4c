import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import SkiffAPI
import SkiffStore
import Synchronization

/// Configuration of one API server.
public struct APIServerConfig: Sendable {
    public var store: any Store
    public var bindAddress: String
    /// 0 picks a free port (see `APIServer.port()`).
    public var port: Int
    /// TLS material; nil serves plain HTTP (tests and benchmarks on loopback only).
    public var pki: ClusterPKI?
    /// With plain HTTP: the user every request runs as (tests); nil requires a bearer token.
    public var insecureUser: UserInfo?
    /// The address other components reach this server at (the `kubernetes` Endpoints).
    public var advertiseAddress: String?
    public var serviceCIDR: String
    public var maxRequestBodyBytes: Int
    /// How often watches that allow bookmarks get one (kube-apiserver: about every minute; tests shorten it).
    public var bookmarkInterval: Duration = .seconds(30)
    public var logger: Logger

    public init(store: any Store, bindAddress: String = "127.0.0.1", port: Int = 6443, pki: ClusterPKI? = nil,
                insecureUser: UserInfo? = nil, advertiseAddress: String? = nil, serviceCIDR: String = "10.43.0.0/16",
                maxRequestBodyBytes: Int = 3 * 1024 * 1024, logger: Logger = Logger(label: "skiff.apiserver")) {
        self.store = store
        self.bindAddress = bindAddress
        self.port = port
        self.pki = pki
        self.insecureUser = insecureUser
        self.advertiseAddress = advertiseAddress
        self.serviceCIDR = serviceCIDR
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.logger = logger
    }
}

/// The Kubernetes API server: watch caches over the store, the REST handlers, and the HTTPS
/// listener. `run()` (a swift-service-lifecycle `Service`) returns on graceful shutdown or
/// cancellation; `port()` waits until it is serving.
public final class APIServer: Service, Sendable {
    public let config: APIServerConfig
    public let registry: ResourceRegistry
    public let authenticator: Authenticator
    let handler: RequestHandler
    private let boundPort = Mutex<Int?>(nil)
    private let failure = Mutex<String?>(nil)

    public init(config: APIServerConfig) {
        self.config = config
        registry = ResourceRegistry.builtin()
        authenticator = Authenticator()
        if let token = config.pki?.adminToken, !token.isEmpty {
            authenticator.addToken(token, user: UserInfo(username: "admin", groups: ["system:masters", "system:authenticated"]))
        }
        let caches = WatchCacheSet(resources: registry.all, store: config.store, logger: config.logger)
        let advertise = config.advertiseAddress ?? config.bindAddress
        handler = RequestHandler(
            registry: registry, store: config.store, caches: caches, authenticator: authenticator,
            allocator: ServiceAllocator(cidr: config.serviceCIDR), serverAddress: "\(advertise):\(config.port)",
            bookmarkInterval: config.bookmarkInterval, logger: config.logger,
            nodeConnection: config.pki.map(NodeConnection.init(pki:)))
    }

    /// Serves one request in process, without HTTP (tests, in-process clients).
    public func handle(_ request: APIRequest) async -> APIResponse {
        await handler.handle(request, peer: request.user ?? config.insecureUser)
    }

    /// Waits until the server listens; returns its port. Throws if start-up failed.
    public func port() async throws -> Int {
        while true {
            if let port = boundPort.withLock({ $0 }) { return port }
            if let message = failure.withLock({ $0 }) { throw APIError.internalError(message) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    public func run() async throws {
        do {
            try await serve()
        } catch {
            failure.withLock { $0 = "\(error)" }
            throw error
        }
    }

    private func serve() async throws {
        let caches = handler.caches
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await caches.run() }
            guard await caches.clock.wait(for: 0, timeout: .seconds(120)) else {
                throw APIError.internalError("the watch caches did not load within 120 s")
            }
            try await bootstrap()
            let tls: NIOSSLContext? = try config.pki.map(Self.tlsContext)
            let insecureUser = tls == nil ? config.insecureUser : nil
            let handler = self.handler
            let http = HTTPServer(maxBodyBytes: config.maxRequestBodyBytes, logger: config.logger) { request, peer in
                await handler.handle(request, peer: peer ?? insecureUser)
            }
            let channel = try await http.bind(host: config.bindAddress, port: config.port, tls: tls,
                                              group: MultiThreadedEventLoopGroup.singleton)
            boundPort.withLock { $0 = channel.localAddress?.port ?? config.port }
            try? await gracefulShutdown()
            try? await channel.close()
            group.cancelAll()
        }
    }

    /// Go's default TLS 1.2 cipher suites, which kube-apiserver serves by default (TLS 1.3
    /// suites are fixed by the protocol).
    static let cipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        .TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    ]

    /// The `kubernetes` Service's address: the first of `serviceCIDR` (for the serving certificate).
    public static func kubernetesServiceAddress(serviceCIDR: String) -> String {
        ServiceAllocator(cidr: serviceCIDR).firstAddress
    }

    static func tlsContext(_ pki: ClusterPKI) throws -> NIOSSLContext {
        let certificates = try NIOSSLCertificate.fromPEMBytes(Array(pki.servingCertificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(pki.servingKeyPEM.utf8), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) },
                                                           privateKey: .privateKey(key))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.caCertificatePEM.utf8)))
        tls.certificateVerification = .optionalVerification
        tls.applicationProtocols = ["http/1.1"]
        // As kube-apiserver (Go's defaults): TLS 1.2 at least, ECDHE suites only.
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuiteValues = Self.cipherSuites
        return try NIOSSLContext(configuration: tls)
    }

    /// Default namespaces, the `kubernetes` Service and Endpoints; the allocator learns the
    /// stored Services first so a restart keeps their addresses.
    private func bootstrap() async throws {
        let h = handler
        guard let services = registry.resource(group: "", version: "v1", plural: "services"),
              let namespaces = registry.resource(group: "", version: "v1", plural: "namespaces"),
              let endpoints = registry.resource(group: "", version: "v1", plural: "endpoints") else { return }
        let stored = await h.caches.cache(for: services)?.list(filter: .everything, after: nil, limit: nil, floor: 0).items ?? []
        await h.allocator.load(services: stored.map(\.object))
        func ensure(_ r: ResourceInfo, _ object: JSONValue, namespace: String?) async throws {
            do throws(APIError) { _ = try await h.createObject(r, object, namespace: namespace, dryRun: false) } catch where error.reason == .alreadyExists {
            }
        }
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            try await ensure(namespaces, .object(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                                  "metadata": .object(["name": .string(name)])]), namespace: nil)
        }
        let firstIP = h.allocator.firstAddress
        let port = Int64(config.port)
        let labels = JSONValue.object(["component": .string("apiserver"), "provider": .string("kubernetes")])
        try await ensure(services, .object([
            "apiVersion": .string("v1"), "kind": .string("Service"),
            "metadata": .object(["name": .string("kubernetes"), "namespace": .string("default"), "labels": labels]),
            "spec": .object([
                "type": .string("ClusterIP"), "clusterIP": .string(firstIP), "sessionAffinity": .string("None"),
                "ports": .array([.object(["name": .string("https"), "port": .int(443), "protocol": .string("TCP"),
                                          "targetPort": .int(port)])]),
            ]),
        ]), namespace: "default")
        let advertise = config.advertiseAddress ?? (config.bindAddress == "0.0.0.0" ? "127.0.0.1" : config.bindAddress)
        try await ensure(endpoints, .object([
            "apiVersion": .string("v1"), "kind": .string("Endpoints"),
            "metadata": .object(["name": .string("kubernetes"), "namespace": .string("default"), "labels": labels]),
            "subsets": .array([.object([
                "addresses": .array([.object(["ip": .string(advertise)])]),
                "ports": .array([.object(["name": .string("https"), "port": .int(port), "protocol": .string("TCP")])]),
            ])]),
        ]), namespace: "default")
    }
}
