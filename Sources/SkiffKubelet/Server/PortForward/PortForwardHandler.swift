import Foundation
import NIOCore
import NIOWebSocket
import SkiffAPI
import SkiffClient
import SkiffRuntime

/// `/portForward/{namespace}/{pod}` over WebSocket: kubectl's `SPDY/3.1+portforward.k8s.io`
/// (SPDY frames in binary messages) or the Python client's `portforward.k8s.io` channels
/// (`?ports=a,b`: data on channel 2i, errors on 2i+1, each channel's first message starting with
/// its port as two little-endian bytes).
final class PortForwardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    static let spdyProtocol = "SPDY/3.1+portforward.k8s.io"
    /// The channel protocol is offered under these names (the Python client sends the exec ones).
    static let channelProtocols = ["portforward.k8s.io", "v4.channel.k8s.io", "v5.channel.k8s.io"]
    static let supported = [spdyProtocol] + channelProtocols

    private let inbound: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation
    private let kubelet: Kubelet
    private let sandboxID: String
    private let subprotocol: String
    private let ports: [Int]
    private var task: Task<Void, Never>?

    init(kubelet: Kubelet, sandboxID: String, subprotocol: String, ports: [Int]) {
        self.kubelet = kubelet; self.sandboxID = sandboxID; self.subprotocol = subprotocol; self.ports = ports
        (inbound, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let runtime = kubelet.runtime, sandboxID = self.sandboxID, inbound = self.inbound, ports = self.ports
        let dial: SPDYPortForward.Dial = { port in try await runtime.portForward(podSandboxID: sandboxID, port: port) }
        task = Self.start(spdy: subprotocol == Self.spdyProtocol, ports: ports, inbound: inbound, channel: channel, dial: dial)
    }

    private static func start(spdy: Bool, ports: [Int], inbound: AsyncStream<[UInt8]>, channel: any Channel,
                              dial: @escaping SPDYPortForward.Dial) -> Task<Void, Never> {
        Task {
            if spdy {
                await runSPDY(inbound: inbound, channel: channel, dial: dial)
            } else {
                await runChannels(ports: ports, inbound: inbound, channel: channel, dial: dial)
            }
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: channel.allocator.buffer(bytes: [0x03, 0xE8]))
            try? await channel.writeAndFlush(close)
            try? await channel.close()
        }
    }

    static func send(_ bytes: [UInt8], on channel: any Channel) async {
        try? await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: bytes)))
    }

    private static func runSPDY(inbound: AsyncStream<[UInt8]>, channel: any Channel, dial: @escaping SPDYPortForward.Dial) async {
        let session = SPDYPortForward { bytes in await send(bytes, on: channel) }
        await withTaskGroup(of: Void.self) { group in
            for await bytes in inbound {
                for action in await session.feed(bytes) {
                    guard case .connect(let request) = action else { continue }
                    group.addTask { await session.run(requestID: request, dial: dial) }
                }
                if await session.goingAway { break }
            }
            await session.closeAll()
            group.cancelAll()
        }
    }

    private static func runChannels(ports: [Int], inbound: AsyncStream<[UInt8]>, channel: any Channel, dial: @escaping SPDYPortForward.Dial) async {
        var connections: [ByteStream?] = []
        for (index, port) in ports.enumerated() {
            let prefix = [UInt8(truncatingIfNeeded: port), UInt8(truncatingIfNeeded: port >> 8)]
            await send([UInt8(2 * index)] + prefix, on: channel)
            await send([UInt8(2 * index + 1)] + prefix, on: channel)
            do {
                connections.append(try await dial(port))
            } catch {
                connections.append(nil)
                await send([UInt8(2 * index + 1)] + Array("error forwarding port \(port) to pod: \(error)".utf8), on: channel)
            }
        }
        let opened = connections
        await withTaskGroup(of: Void.self) { group in
            for (index, connection) in opened.enumerated() {
                guard let connection else { continue }
                group.addTask {
                    for await chunk in connection.inbound { await send([UInt8(2 * index)] + chunk, on: channel) }
                }
            }
            group.addTask {
                for await message in inbound {
                    guard let first = message.first, first % 2 == 0, Int(first / 2) < opened.count,
                          let connection = opened[Int(first / 2)], message.count > 1 else { continue }
                    try? await connection.write(Array(message.dropFirst()))
                }
                for connection in opened { await connection?.close() }
            }
            // The first side to finish (a pod connection closed or the client went away) ends the forward.
            await group.next()
            for connection in opened { await connection?.close() }
            group.cancelAll()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .text, .continuation:
            var data = frame.unmaskedData
            continuation.yield(data.readBytes(length: data.readableBytes) ?? [])
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            continuation.finish()
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}

/// `/portForward/{namespace}/{pod}?ports=…`.
struct PortForwardRequest: Sendable, Equatable {
    var namespace: String
    var pod: String
    var ports: [Int]

    init?(uri: String) {
        let (path, query) = KubeletServer.split(uri)
        let parts = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard parts.count == 3, parts[0] == "portForward" else { return nil }
        namespace = parts[1]; pod = parts[2]
        ports = (query["ports"] ?? query["port"] ?? "").split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            .filter { (1...65535).contains($0) }
    }
}

extension Kubelet {
    /// The ready sandbox of a pod on this node.
    func portForwardTarget(_ request: PortForwardRequest) async throws(LogRequestError) -> String {
        guard let pod = pods.cache.get(ObjectKey(namespace: request.namespace, name: request.pod)), let uid = pod.metadata?.uid else {
            throw LogRequestError(status: 404, message: "pod \(request.namespace)/\(request.pod) not found on node \(config.nodeName)")
        }
        let sandboxes = (try? await runtime.listPodSandboxes(PodSandboxFilter(state: .ready, labelSelector: [RuntimeLabels.podUID: uid]))) ?? []
        guard let sandbox = sandboxes.first else {
            throw LogRequestError(status: 400, message: "pod \(request.namespace)/\(request.pod) has no running sandbox")
        }
        return sandbox.id
    }
}
