@testable import SkiffStoreEtcd
import NIOCore
import Testing

@Suite("HTTP/2 frame filter", .timeLimit(.minutes(5)))
struct HTTP2FrameFilterTests {
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags,
                UInt8(stream >> 24 & 0xFF), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)]
            + payload
    }

    @Test("server PINGs are answered and removed, graceful resets dropped, everything else kept in order, however the bytes are split")
    func filtersAcrossSplits() {
        let headers = Self.frame(type: 0x1, flags: 0x4, stream: 1, payload: [1, 2])
        let data = Self.frame(type: 0x0, stream: 1, payload: Array(0..<40))
        let ping = Self.frame(type: 0x6, stream: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8])
        let pingAck = Self.frame(type: 0x6, flags: 0x1, stream: 0, payload: [8, 7, 6, 5, 4, 3, 2, 1])
        let gracefulReset = Self.frame(type: 0x3, stream: 1, payload: [0, 0, 0, 0])
        let cancelReset = Self.frame(type: 0x3, stream: 3, payload: [0, 0, 0, 8])
        let emptyData = Self.frame(type: 0x0, flags: 0x1, stream: 3, payload: [])
        let wire = headers + ping + data + gracefulReset + pingAck + cancelReset + emptyData
        let expected = headers + data + pingAck + cancelReset + emptyData
        let expectedAck = Self.frame(type: 0x6, flags: 0x1, stream: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8])

        for pieceSize in [1, 2, 5, 9, 13, 17, wire.count] {
            var filter = HTTP2FrameFilter()
            var forwarded: [UInt8] = []
            var acks: [[UInt8]] = []
            var offset = 0
            while offset < wire.count {
                let end = min(offset + pieceSize, wire.count)
                var input = ByteBuffer(bytes: wire[offset..<end])
                let (forward, pingAcks) = filter.process(&input, allocator: ByteBufferAllocator())
                forwarded += forward.readableBytesView
                acks += pingAcks.map { Array($0.readableBytesView) }
                #expect(input.readableBytes == 0)
                offset = end
            }
            #expect(forwarded == expected, "pieces of \(pieceSize)")
            #expect(acks == [expectedAck], "pieces of \(pieceSize)")
        }
    }
}
