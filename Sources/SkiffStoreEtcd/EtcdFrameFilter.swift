import NIOCore

/// Shields SwiftNIO HTTP/2's denial-of-service heuristics from etcd's normal traffic.
///
/// Why: etcd's gRPC server (grpc-go) sends a PING with nearly every call (its flow-control window
/// estimator, "BDP ping"), and may end a finished call with RST_STREAM(NO_ERROR). SwiftNIO HTTP/2
/// counts inbound PINGs and resets as a flood and closes the connection after 200 of them in a
/// few seconds — a store client passes that in well under a second. This handler, first in the
/// plaintext TCP pipeline (it sees raw HTTP/2 frames), applies `HTTP2FrameFilter`.
final class EtcdFrameFilter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var filter = HTTP2FrameFilter()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        let (forward, pingAcks) = filter.process(&input, allocator: context.channel.allocator)
        for ack in pingAcks {
            context.write(NIOAny(ack), promise: nil)
        }
        if !pingAcks.isEmpty { context.flush() }
        if forward.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(forward))
        }
    }
}

/// The byte-level part of `EtcdFrameFilter`, fed the server's bytes in arbitrary pieces:
/// - the server's PINGs are answered here (PING with ACK and the same 8 bytes, as RFC 9113 §6.7
///   requires) and not passed on; PING ACKs (answers to our keepalive) pass through;
/// - RST_STREAM frames with error code NO_ERROR are dropped: they carry no information for a
///   stream the server has already ended (RFC 9113 §8.1); resets with other codes pass through.
/// Every other byte passes through unchanged and in order.
struct HTTP2FrameFilter {
    private static let headerLength = 9
    private static let rstStream: UInt8 = 0x3
    private static let ping: UInt8 = 0x6
    private static let ackFlag: UInt8 = 0x1

    /// Bytes of the current frame's payload still to pass through.
    private var payloadRemaining = 0
    /// A frame header (plus, for RST_STREAM and PING, the payload) being collected.
    private var frame = ByteBufferAllocator().buffer(capacity: 17)

    /// Consumes `input`; returns the bytes to pass on and the PING ACK frames to send back.
    mutating func process(_ input: inout ByteBuffer, allocator: ByteBufferAllocator) -> (forward: ByteBuffer, pingAcks: [ByteBuffer]) {
        var output = allocator.buffer(capacity: input.readableBytes)
        var pingAcks: [ByteBuffer] = []
        while input.readableBytes > 0 {
            if payloadRemaining > 0 {
                let count = min(payloadRemaining, input.readableBytes)
                if var slice = input.readSlice(length: count) { output.writeBuffer(&slice) }
                payloadRemaining -= count
                continue
            }
            collect(upTo: Self.headerLength, from: &input)
            guard frame.readableBytes >= Self.headerLength,
                  let lengthHigh = frame.getInteger(at: frame.readerIndex, as: UInt8.self),
                  let lengthLow = frame.getInteger(at: frame.readerIndex + 1, as: UInt16.self),
                  let type = frame.getInteger(at: frame.readerIndex + 3, as: UInt8.self),
                  let flags = frame.getInteger(at: frame.readerIndex + 4, as: UInt8.self)
            else { continue }
            let length = Int(lengthHigh) << 16 | Int(lengthLow)
            let isReset = type == Self.rstStream && length == 4
            let isPing = type == Self.ping && length == 8 && flags & Self.ackFlag == 0
            guard isReset || isPing else {
                output.writeBuffer(&frame)
                frame.clear()
                payloadRemaining = length
                continue
            }
            collect(upTo: Self.headerLength + length, from: &input)
            guard frame.readableBytes == Self.headerLength + length else { continue }
            if isPing {
                var ack = frame
                ack.setInteger(Self.ackFlag, at: ack.readerIndex + 4)
                pingAcks.append(ack)
            } else if frame.getInteger(at: frame.readerIndex + Self.headerLength, as: UInt32.self) != 0 {
                output.writeBuffer(&frame)
            }
            frame.clear()
        }
        return (output, pingAcks)
    }

    /// Moves bytes from `input` into `frame` until it holds `count` bytes.
    private mutating func collect(upTo count: Int, from input: inout ByteBuffer) {
        let needed = min(count - frame.readableBytes, input.readableBytes)
        if needed > 0, var slice = input.readSlice(length: needed) {
            frame.writeBuffer(&slice)
        }
    }
}
