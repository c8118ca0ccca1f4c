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
    /// A connection must deliver a request's head this long after it opens (slowloris).
    let headerReadTimeout: TimeAmount
    /// A kept-alive connection may wait this long for its next request's head.
    let idleTimeout: TimeAmount
    let respond: Respond
    let logger: Logger

    init(maxBodyBytes: Int, headerReadTimeout: Duration = .seconds(32), idleTimeout: Duration = .seconds(90),
         logger: Logger, respond: @escaping Respond) {
        self.maxBodyBytes = maxBodyBytes
        self.headerReadTimeout = .nanoseconds(Int64(headerReadTimeout.components.seconds) * 1_000_000_000
            + headerReadTimeout.components.attoseconds / 1_000_000_000)
        self.idleTimeout = .nanoseconds(Int64(idleTimeout.components.seconds) * 1_000_000_000
            + idleTimeout.components.attoseconds / 1_000_000_000)
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
                    // Protocol errors are answered by HTTPConnectionHandler (431 for oversized headers).
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
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
    /// The current request was answered early (413) and the connection closes: ignore the rest.
    private var rejected = false
    private var task: Task<Void, Never>?
    private var peer: UserInfo??

    /// Closes the connection when the head of the next request does not arrive in time: from
    /// the connection's start (Go's ReadHeaderTimeout, 32 s in kube-apiserver) and after each
    /// response (its IdleTimeout, 90 s). Disarmed while a request is being served.
    private var deadline: Scheduled<Void>?

    /// Fired through the pipeline when a response's last byte was written on a kept-alive connection.
    struct ResponseFinished {}

    init(server: HTTPServer) { self.server = server }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, server.headerReadTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, server.headerReadTimeout)
        context.fireChannelActive()
    }

    private func arm(_ context: ChannelHandlerContext, _ after: TimeAmount) {
        deadline?.cancel()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: after) { bound.value.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ResponseFinished {
            arm(context, server.idleTimeout)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if rejected { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            deadline?.cancel()
            deadline = nil
            head = h
            body = []
            // A declared body over the limit is refused before any of it is read (as Go's
            // MaxBytesReader would after reading the limit); the connection then closes, so the
            // client cannot make us read the rest.
            if let length = h.headers.first(name: "content-length").flatMap(Int.init), length > server.maxBodyBytes {
                reject(context: context, version: h.version, status: 413, message: tooLargeMessage)
            }
        case .body(var buffer):
            if body.count + buffer.readableBytes > server.maxBodyBytes {
                reject(context: context, version: head?.version ?? .http1_1, status: 413, message: tooLargeMessage)
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            dispatch(context: context, head: head)
        }
    }

    private var tooLargeMessage: String { "Request entity too large: limit is \(server.maxBodyBytes)" }

    /// Answers at once and closes the connection (the request is never handled): a Status for
    /// 413 as kube-apiserver's body limit, plain text for protocol errors as Go's server.
    private func reject(context: ChannelHandlerContext, version: HTTPVersion, status: Int, message: String) {
        rejected = true
        head = nil
        body = []
        let bytes = status == 413
            ? APIError(code: status, reason: .requestEntityTooLarge, message: message).status.serialized()
            : Array("\(status) \(message)".utf8)
        let headers = HTTPHeaders([("Content-Type", status == 413 ? "application/json" : "text/plain; charset=utf-8"),
                                   ("Content-Length", String(bytes.count)), ("Connection", "close"),
                                   ("Cache-Control", "no-cache, private")])
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
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
        let server = self.server
        let peerUser = peer ?? nil
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        let version = head.version
        task = HTTPConnectionHandler.start(request, peer: peerUser, server: server, bound: bound,
                                           loop: loop, version: version, keepAlive: keepAlive)
    }

    private static func start(_ request: APIRequest, peer: UserInfo?, server: HTTPServer,
                              bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop,
                              version: HTTPVersion, keepAlive: Bool) -> Task<Void, Never> {
        Task {
            await process(request, peer: peer, server: server, bound: bound, loop: loop,
                          version: version, keepAlive: keepAlive)
        }
    }

    private static func process(_ request: APIRequest, peer: UserInfo?, server: HTTPServer,
                                bound: NIOLoopBound<ChannelHandlerContext>, loop: any EventLoop,
                                version: HTTPVersion, keepAlive: Bool) async {
        let response = await server.respond(request, peer)
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
                done.whenComplete { _ in
                    if keepAlive {
                        bound.value.channel.pipeline.fireUserInboundEventTriggered(ResponseFinished())
                    } else {
                        bound.value.close(promise: nil)
                    }
                }
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
                done.whenComplete { _ in
                    if keepAlive {
                        bound.value.channel.pipeline.fireUserInboundEventTriggered(ResponseFinished())
                    } else {
                        bound.value.close(promise: nil)
                    }
                }
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
        deadline?.cancel()
        deadline = nil
        task?.cancel()
        task = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request the parser refused gets an answer when none is being written: 431 for a
        // request line plus headers over llhttp's 80 KiB (Go answers 431 past its 1 MiB
        // MaxHeaderBytes), 400 for anything else malformed. Then the connection closes.
        if let parse = error as? HTTPParserError, task == nil, !rejected {
            if parse == .headerOverflow {
                reject(context: context, version: .http1_1, status: 431, message: "Request Header Fields Too Large")
            } else {
                reject(context: context, version: .http1_1, status: 400, message: "Bad Request: \(parse)")
            }
            return
        }
        task?.cancel()
        context.close(promise: nil)
    }
}
