import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import SkiffAPI
import SkiffClient
import X509

/// TLS material of the kubelet API: its serving certificate and the CA whose client
/// certificates it accepts (the cluster CA).
public struct KubeletTLS: Sendable {
    public var certificatePEM: String
    public var keyPEM: String
    public var clientCAPEM: String
    public init(certificatePEM: String, keyPEM: String, clientCAPEM: String) {
        self.certificatePEM = certificatePEM; self.keyPEM = keyPEM; self.clientCAPEM = clientCAPEM
    }
}

/// The kubelet's HTTPS API (port 10250): authenticated by a client certificate of the cluster CA
/// and authorized for the API server and cluster admins only (`system:masters`). Serves
/// `/containerLogs/…`, `/pods` and `/healthz`; everything else is 404.
final class KubeletServer: Sendable {
    enum Response: Sendable {
        case full(Int, [UInt8], contentType: String)
        case stream(AsyncStream<[UInt8]>)
    }

    let kubelet: Kubelet
    let tls: NIOSSLContext

    init(kubelet: Kubelet, tls material: KubeletTLS) throws {
        self.kubelet = kubelet
        let certificates = try NIOSSLCertificate.fromPEMBytes(Array(material.certificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(material.keyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(material.clientCAPEM.utf8)))
        configuration.certificateVerification = .optionalVerification
        tls = try NIOSSLContext(configuration: configuration)
    }

    func bind(host: String, port: Int) async throws -> any Channel {
        let server = self
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: server.tls))
                    let upgrade: NIOHTTPServerUpgradeConfiguration = (upgraders: [server.streamUpgrader()], completionHandler: { context in
                        // After a WebSocket upgrade the session handler owns the connection.
                        if let handler = try? context.pipeline.syncOperations.handler(type: KubeletConnectionHandler.self) {
                            context.pipeline.syncOperations.removeHandler(handler, promise: nil)
                        }
                    })
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withServerUpgrade: upgrade, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(KubeletConnectionHandler(server: server))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// Who may use the API: the API server's identity and cluster admins.
    static func authorized(_ certificate: NIOSSLCertificate?) -> Bool? {
        guard let certificate, let der = try? certificate.toDERBytes(), let cert = try? Certificate(derEncoded: der) else { return nil }
        var commonName = "", organizations: [String] = []
        for rdn in cert.subject {
            for attribute in rdn {
                let value = String(describing: attribute.value)
                if attribute.type == .RDNAttributeType.commonName { commonName = value }
                if attribute.type == .RDNAttributeType.organizationName { organizations.append(value) }
            }
        }
        return organizations.contains("system:masters") || commonName == "kube-apiserver-kubelet-client" || commonName == "kube-apiserver"
    }

    /// exec and attach upgrade to WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`) once the
    /// caller is authorized and the target container runs; otherwise the request falls through to
    /// `respond`, which answers with the reason.
    func streamUpgrader() -> NIOWebSocketServerUpgrader {
        let server = self
        return NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 24, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let certificate = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
                let offered = head.headers["Sec-WebSocket-Protocol"].joined(separator: ",")
                guard Self.authorized(certificate) == true else { return channel.eventLoop.makeSucceededFuture(nil) }
                if let forward = PortForwardRequest(uri: head.uri) {
                    let offers = offered.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    guard let chosen = offers.first(where: { PortForwardHandler.supported.contains($0) }) else {
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                    promise.completeWithTask {
                        guard (try? await server.kubelet.portForwardTarget(forward)) != nil else { return nil }
                        return HTTPHeaders([("Sec-WebSocket-Protocol", chosen)])
                    }
                    return promise.futureResult
                }
                guard let request = StreamRequest(uri: head.uri), let chosen = StreamChannels.negotiate(offered)
                else { return channel.eventLoop.makeSucceededFuture(nil) }
                let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                promise.completeWithTask {
                    guard (try? await server.kubelet.streamTarget(request)) != nil else { return nil }
                    return HTTPHeaders([("Sec-WebSocket-Protocol", chosen)])
                }
                return promise.futureResult
            },
            upgradePipelineHandler: { channel, head in
                let promise = channel.eventLoop.makePromise(of: Void.self)
                promise.completeWithTask {
                    if let forward = PortForwardRequest(uri: head.uri) {
                        let sandbox = try await server.kubelet.portForwardTarget(forward)
                        let offers = head.headers["Sec-WebSocket-Protocol"].joined(separator: ",").split(separator: ",")
                            .map { $0.trimmingCharacters(in: .whitespaces) }
                        let chosen = offers.first { PortForwardHandler.supported.contains($0) } ?? PortForwardHandler.spdyProtocol
                        try await channel.eventLoop.submit {
                            try channel.pipeline.syncOperations.addHandler(
                                PortForwardHandler(kubelet: server.kubelet, sandboxID: sandbox, subprotocol: chosen, ports: forward.ports))
                        }.get()
                        return
                    }
                    guard let request = StreamRequest(uri: head.uri) else { throw ChannelError.inputClosed }
                    let id = try await server.kubelet.streamTarget(request)
                    try await channel.eventLoop.submit {
                        try channel.pipeline.syncOperations.addHandler(StreamSessionHandler(kubelet: server.kubelet, request: request, containerID: id))
                    }.get()
                }
                return promise.futureResult
            })
    }

    func respond(method: String, uri: String, authorized: Bool?) async -> Response {
        guard let authorized else { return Self.status(401, "Unauthorized") }
        guard authorized else { return Self.status(403, "Forbidden (user may not access the kubelet API)") }
        if let forward = PortForwardRequest(uri: uri), method == "GET" || method == "POST" {
            do {
                _ = try await kubelet.portForwardTarget(forward)
            } catch {
                return Self.status(error.status, error.message)
            }
            return Self.status(400, "Upgrade request required: port-forward needs a WebSocket upgrade with protocol \(PortForwardHandler.supported.joined(separator: " or "))")
        }
        if let request = StreamRequest(uri: uri), method == "GET" || method == "POST" {
            do {
                _ = try await kubelet.streamTarget(request)
            } catch {
                return Self.status(error.status, error.message)
            }
            return Self.status(400, "Upgrade request required: \(request.kind.rawValue) needs a WebSocket upgrade with protocol \(StreamChannels.supported.joined(separator: " or "))")
        }
        guard method == "GET" else { return Self.status(405, "Method Not Allowed") }
        let (path, query) = Self.split(uri)
        let parts = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        if parts == ["healthz"] { return .full(200, Array("ok".utf8), contentType: "text/plain") }
        if parts == ["pods"] {
            struct PodList: Encodable { var kind = "PodList"; var apiVersion = "v1"; var items: [CoreV1.Pod] }
            let body = (try? JSONEncoder().encode(PodList(items: kubelet.pods.cache.list()))).map { [UInt8]($0) } ?? []
            return .full(200, body, contentType: "application/json")
        }
        if parts.count == 4, parts[0] == "containerLogs" {
            do {
                return .stream(try await kubelet.containerLogs(namespace: parts[1], pod: parts[2], container: parts[3], query: query))
            } catch {
                return Self.status(error.status, error.message)
            }
        }
        return Self.status(404, "404 page not found")
    }

    static func status(_ code: Int, _ message: String) -> Response { .full(code, Array((message + "\n").utf8), contentType: "text/plain") }

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
            let key = kv[0].removingPercentEncoding ?? kv[0]
            query[key] = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
        }
        return (String(uri[..<mark]), query)
    }
}

/// One connection: reads a request head (bodies are ignored: every route is a GET), answers
/// with a full or chunked streamed response; a closed connection cancels the request.
private final class KubeletConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: KubeletServer
    private var head: HTTPRequestHead?
    private var task: Task<Void, Never>?

    init(server: KubeletServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
            let authorized = KubeletServer.authorized(certificate)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let loop = context.eventLoop
            let server = self.server
            task = Self.start(server: server, method: head.method.rawValue, uri: head.uri, authorized: authorized,
                              bound: bound, loop: loop, version: head.version, keepAlive: head.isKeepAlive)
        }
    }

    private static func start(server: KubeletServer, method: String, uri: String, authorized: Bool?,
                              bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop,
                              version: HTTPVersion, keepAlive: Bool) -> Task<Void, Never> {
        Task {
            let response = await server.respond(method: method, uri: uri, authorized: authorized)
            await write(response, bound: bound, loop: loop, version: version, keepAlive: keepAlive)
        }
    }

    private static func write(_ response: KubeletServer.Response, bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop,
                              version: HTTPVersion, keepAlive: Bool) async {
        switch response {
        case .full(let status, let body, let contentType):
            loop.execute {
                let context = bound.value
                var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.count))])
                if !keepAlive { headers.add(name: "Connection", value: "close") }
                context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: .init(statusCode: status), headers: headers))), promise: nil)
                var buffer = context.channel.allocator.buffer(capacity: body.count)
                buffer.writeBytes(body)
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
                let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
                if !keepAlive { done.whenComplete { _ in bound.value.close(promise: nil) } }
            }
        case .stream(let chunks):
            let started: EventLoopFuture<Void> = loop.flatSubmit {
                let headers = HTTPHeaders([("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
                return bound.value.writeAndFlush(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: .ok, headers: headers))))
            }
            guard (try? await started.get()) != nil else { return }
            for await chunk in chunks {
                let written: EventLoopFuture<Void> = loop.flatSubmit {
                    let context = bound.value
                    var buffer = context.channel.allocator.buffer(capacity: chunk.count)
                    buffer.writeBytes(chunk)
                    return context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))))
                }
                if (try? await written.get()) == nil { return }
            }
            loop.execute {
                let done = bound.value.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
                if !keepAlive { done.whenComplete { _ in bound.value.close(promise: nil) } }
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A declined WebSocket upgrade is reported before the request comes through as a plain
        // request, which `respond` answers with the reason.
        if error is NIOWebSocketUpgradeError { return }
        task?.cancel()
        context.close(promise: nil)
    }
}
