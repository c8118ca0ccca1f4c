import NIOCore
import Synchronization
import NIOPosix
import NIOSSL

// Owned by the kubelet work (issue 10 §4).
/// An upgraded connection to a kubelet (exec, attach, port-forward): the kubelet's `101` response
/// head, already read, and the connection that carries everything after it. The HTTP server
/// writes the head to its client and then copies bytes both ways until either side closes, as
/// kube-apiserver's upgrade-aware proxy does.
public final class NodeTunnel: Sendable {
    let head: [UInt8]
    let node: any Channel
    private let reader: NIOLoopBound<NodeResponseReader>

    init(head: [UInt8], node: any Channel, reader: NIOLoopBound<NodeResponseReader>) {
        self.head = head; self.node = node; self.reader = reader
    }

    /// Starts forwarding the node's bytes (including any that arrived with the head) to `client`.
    func forward(to client: any Channel) {
        let reader = self.reader
        node.eventLoop.execute { reader.value.attach(client) }
    }

    func close() { node.close(promise: nil) }

    /// What the node answered to an upgrade request.
    enum Answer: Sendable {
        case upgraded(NodeTunnel)
        case refused(status: Int, body: [UInt8])
    }

    /// Sends `request` (a complete HTTP/1.1 request head) to the node over TLS and reads its answer.
    static func open(host: String, port: Int, tls: TLSConfiguration, request: [UInt8]) async throws -> Answer {
        let context = try NIOSSLContext(configuration: tls)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let answered = loop.makePromise(of: NodeResponseReader.Head.self)
        let timeout = loop.scheduleTask(in: .seconds(30)) { answered.fail(ChannelError.connectTimeout(.seconds(30))) }
        defer { timeout.cancel() }
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(NodeResponseReader(answered: answered))
                }
            }
            .connect(host: host, port: port).get()
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(bytes: request))
            let head = try await answered.futureResult.get()
            guard head.status == 101 else {
                channel.close(promise: nil)
                return .refused(status: head.status, body: head.body)
            }
            let reader = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: NodeResponseReader.self), eventLoop: channel.eventLoop)
            }.get()
            return .upgraded(NodeTunnel(head: head.bytes, node: channel, reader: reader))
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }
}

/// Reads the node's response head (and, when it refuses the upgrade, its body); after a `101`
/// it buffers what follows until the client side is attached, then forwards.
final class NodeResponseReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    struct Head: Sendable {
        var status: Int
        var bytes: [UInt8]
        var body: [UInt8]
    }

    private let answered: EventLoopPromise<Head>
    private var received: [UInt8] = []
    private var head: Head?
    private var bodyLength: Int?
    private var upgraded = false
    private var pending: [ByteBuffer] = []
    private var client: (any Channel)?
    private var answeredOnce = false

    private func answer(_ result: Result<Head, any Error>) {
        guard !answeredOnce else { return }
        answeredOnce = true
        answered.completeWith(result)
    }

    init(answered: EventLoopPromise<Head>) { self.answered = answered }

    func attach(_ client: any Channel) {
        self.client = client
        for buffer in pending { client.write(buffer, promise: nil) }
        pending = []
        client.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if let client {
            client.writeAndFlush(buffer, promise: nil)
            return
        }
        if upgraded {
            pending.append(buffer)
            return
        }
        received.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        if head == nil, let end = Self.headEnd(received) {
            let text = String(decoding: received[..<end], as: UTF8.self)
            let statusLine = text.split(separator: "\r\n").first ?? ""
            let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 502
            let parsed = Head(status: status, bytes: Array(received[..<end]), body: [])
            head = parsed
            received = Array(received[end...])
            if status == 101 {
                upgraded = true
                if !received.isEmpty { pending.append(context.channel.allocator.buffer(bytes: received)) }
                received = []
                answer(.success(parsed))
                return
            }
            for line in text.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                bodyLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
            }
        }
        if var head, let bodyLength, received.count >= bodyLength {
            head.body = Array(received.prefix(min(bodyLength, 64 * 1024)))
            answer(.success(head))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if var head, !upgraded {
            head.body = Array(received.prefix(64 * 1024))
            answer(.success(head))
        } else if head == nil {
            answer(.failure(ChannelError.eof))
        }
        client?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answer(.failure(error))
        context.close(promise: nil)
    }

    /// The index just past the blank line ending an HTTP head.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}

/// The client side of a tunnel: bytes from the client go to the node; either side closing closes both.
final class TunnelClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let node: any Channel
    init(node: any Channel) { self.node = node }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        node.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }
    func channelInactive(context: ChannelHandlerContext) {
        node.close(promise: nil)
        context.fireChannelInactive()
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Carries an upgraded node connection from the request handler to the TCP server.
final class TunnelSlot: Sendable {
    private let tunnel = Mutex<NodeTunnel?>(nil)
    func put(_ value: NodeTunnel) { tunnel.withLock { $0 = value } }
    func take() -> NodeTunnel? { tunnel.withLock { value in defer { value = nil }; return value } }
}
