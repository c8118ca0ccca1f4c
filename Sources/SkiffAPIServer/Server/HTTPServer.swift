import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import X509

/// The HTTP/1.1 (optionally TLS) front end: reads whole requests (refusing bodies over
/// `maxBodyBytes` with 413), hands them to `respond` on the concurrency pool, and writes full
/// or streamed (chunked, flushed per chunk) responses. A closed connection cancels its request.
final class HTTPServer: Sendable {
    typealias Respond = @Sendable (APIRequest, _ peer: UserInfo?) async -> APIResponse

    let maxBodyBytes: Int
    let respond: Respond
    let logger: Logger

    init(maxBodyBytes: Int, logger: Logger, respond: @escaping Respond) {
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.respond = respond
    }

    func bind(host: String, port: Int, tls: NIOSSLContext?, group: any EventLoopGroup) async throws -> any Channel {
        let server = self
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(server: server))
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    /// The user named by a verified client certificate (CN → name, O → groups).
    static func peerUser(_ certificate: NIOSSLCertificate?) -> UserInfo? {
        guard let certificate, let der = try? certificate.toDERBytes(),
              let cert = try? Certificate(derEncoded: der) else { return nil }
        var commonName: String?
        var organizations: [String] = []
        for rdn in cert.subject {
            for attribute in rdn {
                let value = String(describing: attribute.value)
                if attribute.type == .RDNAttributeType.commonName { commonName = value }
                if attribute.type == .RDNAttributeType.organizationName { organizations.append(value) }
            }
        }
        return Authenticator.user(commonName: commonName, organizations: organizations)
    }
}

private final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: HTTPServer
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var task: Task<Void, Never>?
    private var peer: UserInfo??

    init(server: HTTPServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            tooLarge = false
        case .body(var buffer):
            if tooLarge { return }
            if body.count + buffer.readableBytes > server.maxBodyBytes {
                tooLarge = true
                body = []
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            dispatch(context: context, head: head)
        }
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead) {
        if peer == nil {
            let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
            peer = .some(HTTPServer.peerUser(certificate))
        }
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            let lower = name.lowercased()
            headers[lower] = headers[lower].map { "\($0),\(value)" } ?? value
        }
        let keepAlive = head.isKeepAlive
        var request = APIRequest(method: head.method.rawValue, uri: head.uri, headers: headers, body: body, user: nil)
        request.tunnelSlot = TunnelSlot()
        body = []
        let tooLarge = self.tooLarge
        let server = self.server
        let peerUser = peer ?? nil
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        let version = head.version
        task = HTTPConnectionHandler.start(request, peer: peerUser, tooLarge: tooLarge, server: server, bound: bound,
                                           loop: loop, version: version, keepAlive: keepAlive)
    }

    private static func start(_ request: APIRequest, peer: UserInfo?, tooLarge: Bool, server: HTTPServer,
                              bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop,
                              version: HTTPVersion, keepAlive: Bool) -> Task<Void, Never> {
        Task {
            await process(request, peer: peer, tooLarge: tooLarge, server: server, bound: bound, loop: loop,
                          version: version, keepAlive: keepAlive)
        }
    }

    private static func process(_ request: APIRequest, peer: UserInfo?, tooLarge: Bool, server: HTTPServer,
                                bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop,
                                version: HTTPVersion, keepAlive: Bool) async {
        let response = tooLarge
            ? APIResponse.error(APIError(code: 413, reason: .requestEntityTooLarge,
                                         message: "Request entity too large: limit is \(server.maxBodyBytes)"))
            : await server.respond(request, peer)
        await write(response, slot: request.tunnelSlot, to: bound, loop: loop, version: version, keepAlive: keepAlive)
    }

    private static func write(_ response: APIResponse, slot: TunnelSlot?, to bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop,
                              version: HTTPVersion, keepAlive: Bool) async {
        if case .full(101, _, _) = response, let tunnel = slot?.take() {
            startTunnel(tunnel, bound: bound, loop: loop)
            return
        }
        switch response {
        case .full(let status, let headers, let body):
            loop.execute {
                let context = bound.value
                var h = HTTPHeaders(headers)
                h.add(name: "Content-Length", value: String(body.count))
                h.add(name: "Cache-Control", value: "no-cache, private")
                if !keepAlive { h.add(name: "Connection", value: "close") }
                context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(
                    version: version, status: HTTPResponseStatus(statusCode: status), headers: h))), promise: nil)
                var buffer = context.channel.allocator.buffer(capacity: body.count)
                buffer.writeBytes(body)
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
                let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
                if !keepAlive { done.whenComplete { _ in bound.value.close(promise: nil) } }
            }
        case .stream(let status, let headers, let chunks):
            let started: EventLoopFuture<Void> = loop.flatSubmit {
                let context = bound.value
                var h = HTTPHeaders(headers)
                h.add(name: "Cache-Control", value: "no-cache, private")
                h.add(name: "Transfer-Encoding", value: "chunked")
                return context.writeAndFlush(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(
                    version: version, status: HTTPResponseStatus(statusCode: status), headers: h))))
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
                let context = bound.value
                let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
                if !keepAlive { done.whenComplete { _ in bound.value.close(promise: nil) } }
            }
        }
    }

    /// Hands the connection to a node tunnel: the HTTP handlers leave the pipeline (the client
    /// sends nothing more until it sees the `101`), the node's head goes out raw, then bytes flow both ways.
    private static func startTunnel(_ tunnel: NodeTunnel, bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop) {
        loop.execute {
            let context = bound.value
            let channel = context.channel
            let operations = channel.pipeline.syncOperations
            let removed = loop.makePromise(of: Void.self)
            var futures: [EventLoopFuture<Void>] = []
            func remove(_ handler: (any RemovableChannelHandler)?) {
                guard let handler else { return }
                let promise = loop.makePromise(of: Void.self)
                operations.removeHandler(handler, promise: promise)
                futures.append(promise.futureResult)
            }
            remove(try? operations.handler(type: HTTPServerPipelineHandler.self))
            remove(try? operations.handler(type: HTTPServerProtocolErrorHandler.self))
            remove(try? operations.handler(type: NIOHTTPResponseHeadersValidator.self))
            remove(try? operations.handler(type: HTTPResponseEncoder.self))
            remove(try? operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))
            let own = loop.makePromise(of: Void.self)
            operations.removeHandler(context: context, promise: own)
            futures.append(own.futureResult)
            EventLoopFuture.andAllComplete(futures, on: loop).cascade(to: removed)
            removed.futureResult.whenComplete { _ in
                do {
                    try channel.pipeline.syncOperations.addHandler(TunnelClientHandler(node: tunnel.node))
                } catch {
                    tunnel.close()
                    channel.close(promise: nil)
                    return
                }
                channel.writeAndFlush(channel.allocator.buffer(bytes: tunnel.head), promise: nil)
                tunnel.forward(to: channel)
                channel.read()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        task?.cancel()
        context.close(promise: nil)
    }
}
