import Foundation
import NIOCore
import NIOWebSocket
import SkiffRuntime

/// One exec or attach over WebSocket: client messages (stdin, resize, stdin close) go to the
/// runtime session; its output goes back on the stdout/stderr channels; when the process ends
/// the exit status goes on the error channel and the connection closes. A closed connection
/// ends the session (an exec process is killed, an attachment detaches).
final class StreamSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let kubelet: Kubelet
    private let request: StreamRequest
    private let containerID: String
    private let inbound: AsyncStream<StreamChannels.Inbound>
    private let continuation: AsyncStream<StreamChannels.Inbound>.Continuation
    private var task: Task<Void, Never>?

    init(kubelet: Kubelet, request: StreamRequest, containerID: String) {
        self.kubelet = kubelet; self.request = request; self.containerID = containerID
        (inbound, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        task = Self.run(kubelet: kubelet, request: request, containerID: containerID, inbound: inbound, channel: channel)
    }

    private static func run(kubelet: Kubelet, request: StreamRequest, containerID: String,
                            inbound: AsyncStream<StreamChannels.Inbound>, channel: any Channel) -> Task<Void, Never> {
        Task {
            let status: [UInt8]
            do {
                let session = try await kubelet.startStream(request, containerID: containerID)
                status = await pump(session, request: request, inbound: inbound, channel: channel)
            } catch {
                status = StreamChannels.failureStatus("\(error)")
            }
            try? await send(StreamChannels.frame(StreamChannels.error, status), on: channel)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: channel.allocator.buffer(bytes: [0x03, 0xE8]))
            try? await channel.writeAndFlush(close)
            try? await channel.close()
        }
    }

    private static func pump(_ session: StreamSession, request: StreamRequest, inbound: AsyncStream<StreamChannels.Inbound>,
                             channel: any Channel) async -> [UInt8] {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in inbound {
                    switch message {
                    case .stdin(let bytes): if request.stdin, !bytes.isEmpty { try? await session.write(bytes) }
                    case .closeStdin: await session.closeStdin()
                    case .resize(let size): try? await session.resize(size)
                    case .ignored: break
                    }
                }
                // The client went away: end the session so the output loop finishes.
                await session.close()
            }
            for await chunk in session.output {
                let wanted = chunk.stream == .stdout ? request.stdout : request.stderr
                guard wanted else { continue }
                let channelByte = chunk.stream == .stdout ? StreamChannels.stdout : StreamChannels.stderr
                try? await send(StreamChannels.frame(channelByte, chunk.bytes), on: channel)
            }
            let code = await session.wait()
            group.cancelAll()
            await session.close()
            return request.kind == .exec ? StreamChannels.exitStatus(code, command: request.command) : StreamChannels.exitStatus(0, command: [])
        }
    }

    private static func send(_ bytes: [UInt8], on channel: any Channel) async throws {
        let frame = WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: bytes))
        try await channel.writeAndFlush(frame)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .text:
            var data = frame.unmaskedData
            let bytes = data.readBytes(length: data.readableBytes) ?? []
            continuation.yield(StreamChannels.decode(bytes))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
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
