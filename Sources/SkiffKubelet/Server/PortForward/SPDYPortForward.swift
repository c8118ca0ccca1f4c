import Foundation
import SkiffRuntime

/// kubectl's port-forward protocol: SPDY/3.1 frames (carried in WebSocket messages under the
/// `SPDY/3.1+portforward.k8s.io` subprotocol). For each forwarded connection the client opens an
/// "error" and a "data" stream with the same `requestID` and a `port`; we answer each SYN_STREAM,
/// connect to the port in the pod's network namespace and copy bytes; when the pod side closes,
/// the data stream and then the error stream end (FIN). A connection failure is reported as text
/// on the error stream, as upstream's kubelet does.
actor SPDYPortForward {
    typealias Send = @Sendable ([UInt8]) async -> Void
    typealias Dial = @Sendable (Int) async throws -> ByteStream

    struct Pair {
        var port: Int?
        var dataStream: UInt32?
        var errorStream: UInt32?
        var connection: ByteStream?
        var pending: [[UInt8]] = []
        var started = false
    }

    /// What the caller must start (outside the actor, in its task group).
    enum Action: Sendable { case connect(requestID: String) }

    private let codec = SPDYHeaderCodec()
    private let send: Send
    private var buffer: [UInt8] = []
    private var pairs: [String: Pair] = [:]
    private var streamRequest: [UInt32: String] = [:]
    private(set) var goingAway = false

    init(send: @escaping Send) { self.send = send }

    /// Feeds bytes from the client; returns pairs that are ready to connect.
    func feed(_ bytes: [UInt8]) async -> [Action] {
        buffer += bytes
        var actions: [Action] = []
        while buffer.count >= 8 {
            let length = Int(buffer[5]) << 16 | Int(buffer[6]) << 8 | Int(buffer[7])
            guard buffer.count >= 8 + length else { break }
            let frame = Array(buffer[0..<8 + length])
            buffer.removeFirst(8 + length)
            if let action = await handle(frame) { actions.append(action) }
        }
        return actions
    }

    private func handle(_ frame: [UInt8]) async -> Action? {
        let flags = frame[4]
        let payload = Array(frame[8...])
        var reader = ByteReader(payload)
        guard frame[0] & 0x80 != 0 else {
            // Data frame: client bytes for a stream.
            let streamID = (UInt32(frame[0]) << 24 | UInt32(frame[1]) << 16 | UInt32(frame[2]) << 8 | UInt32(frame[3])) & 0x7fff_ffff
            guard let request = streamRequest[streamID], var pair = pairs[request], pair.dataStream == streamID, !payload.isEmpty else { return nil }
            if let connection = pair.connection {
                try? await connection.write(payload)
            } else {
                pair.pending.append(payload)
                pairs[request] = pair
            }
            _ = flags
            return nil
        }
        let type = UInt16(frame[2]) << 8 | UInt16(frame[3])
        switch type {
        case 1: // SYN_STREAM
            guard let rawID = reader.uint32(), reader.uint32() != nil, reader.bytes(2) != nil,
                  let block = reader.bytes(reader.remaining) else { return nil }
            let streamID = rawID & 0x7fff_ffff
            let headers = (try? codec.decode(block)) ?? [:]
            await reply(streamID)
            let request = headers["requestid"] ?? ""
            streamRequest[streamID] = request
            var pair = pairs[request] ?? Pair()
            if let port = headers["port"].flatMap({ Int($0) }) { pair.port = port }
            switch headers["streamtype"] {
            case "error": pair.errorStream = streamID
            case "data": pair.dataStream = streamID
            default: break
            }
            var action: Action?
            if pair.dataStream != nil, pair.errorStream != nil, !pair.started {
                pair.started = true
                action = .connect(requestID: request)
            }
            pairs[request] = pair
            return action
        case 3: // RST_STREAM
            guard let rawID = reader.uint32(), let request = streamRequest[rawID & 0x7fff_ffff] else { return nil }
            await pairs[request]?.connection?.close()
            return nil
        case 6: // PING: echo it
            await send(frame)
            return nil
        case 7: // GOAWAY
            goingAway = true
            return nil
        default: // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do
            return nil
        }
    }

    private func reply(_ streamID: UInt32) async {
        var body = Self.be32(streamID)
        body += codec.encode([])
        await send(Self.control(type: 2, flags: 0, body))
    }

    /// Connects one pair and copies pod → client until the pod side closes.
    func run(requestID: String, dial: Dial) async {
        guard let pair = pairs[requestID], let port = pair.port, let data = pair.dataStream, let error = pair.errorStream else { return }
        let connection: ByteStream
        do {
            connection = try await dial(port)
        } catch {
            let message = "error forwarding port \(port) to pod: \(error)"
            await send(Self.data(pair.errorStream ?? 0, flags: 0, Array(message.utf8)))
            await send(Self.data(data, flags: 1, []))
            await send(Self.data(pair.errorStream ?? 0, flags: 1, []))
            return
        }
        // Bytes that came before the connection, in order; more may arrive while we write them.
        while let pending = pairs[requestID]?.pending, !pending.isEmpty {
            pairs[requestID]?.pending = []
            for chunk in pending { try? await connection.write(chunk) }
        }
        pairs[requestID]?.connection = connection
        for await chunk in connection.inbound {
            var offset = 0
            while offset < chunk.count {
                let end = min(offset + 32 * 1024, chunk.count)
                await send(Self.data(data, flags: 0, Array(chunk[offset..<end])))
                offset = end
            }
        }
        await connection.close()
        await send(Self.data(data, flags: 1, []))
        await send(Self.data(error, flags: 1, []))
        pairs[requestID] = nil
    }

    func closeAll() async {
        for pair in pairs.values { await pair.connection?.close() }
        pairs = [:]
    }

    static func be32(_ n: UInt32) -> [UInt8] { [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] }

    static func control(type: UInt16, flags: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0x80, 0x03, UInt8(type >> 8), UInt8(truncatingIfNeeded: type), flags,
         UInt8(truncatingIfNeeded: body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
    }

    static func data(_ streamID: UInt32, flags: UInt8, _ body: [UInt8]) -> [UInt8] {
        be32(streamID & 0x7fff_ffff) + [flags, UInt8(truncatingIfNeeded: body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
    }
}
