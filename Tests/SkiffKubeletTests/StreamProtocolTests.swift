import Foundation
import SkiffRuntime
import Testing
@testable import SkiffKubelet

@Suite("Streaming protocols: exec/attach channels, SPDY port-forward frames", .timeLimit(.minutes(1)))
struct StreamProtocolTests {
    @Test("exec requests keep every command argument in order and TTY drops stderr")
    func execRequest() throws {
        let request = try #require(StreamRequest(uri: "/exec/ns/p/c?command=sh&command=-c&command=echo+a%26b&stdin=true&tty=true"))
        #expect(request.kind == .exec && request.namespace == "ns" && request.pod == "p" && request.container == "c")
        #expect(request.command == ["sh", "-c", "echo a&b"])
        #expect(request.stdin && request.tty && request.stdout && !request.stderr)
        #expect(StreamRequest(uri: "/exec/ns/p") == nil)
        #expect(StreamRequest(uri: "/containerLogs/ns/p/c") == nil)
    }

    @Test("the client's first supported subprotocol wins; unknown ones are refused")
    func negotiation() {
        #expect(StreamChannels.negotiate("v5.channel.k8s.io, v4.channel.k8s.io") == "v5.channel.k8s.io")
        #expect(StreamChannels.negotiate("channel.k8s.io,v4.channel.k8s.io") == "v4.channel.k8s.io")
        #expect(StreamChannels.negotiate("base64.channel.k8s.io") == nil)
        #expect(StreamChannels.negotiate(nil) == nil)
    }

    @Test("client messages: stdin, resize JSON, v5 stdin close; garbage is ignored")
    func decoding() {
        #expect(StreamChannels.decode([0, 104, 105]) == .stdin([104, 105]))
        #expect(StreamChannels.decode([4] + Array(#"{"Width":80,"Height":24}"#.utf8)) == .resize(TerminalSize(width: 80, height: 24)))
        #expect(StreamChannels.decode([255, 0]) == .closeStdin)
        #expect(StreamChannels.decode([4, 1, 2]) == .ignored)
        #expect(StreamChannels.decode([]) == .ignored)
    }

    @Test("a non-zero exit is a NonZeroExitCode Status with the code as an ExitCode cause")
    func exitStatus() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(StreamChannels.exitStatus(7, command: ["sh", "-c", "exit \"7\""]))) as? [String: Any])
        #expect(json["status"] as? String == "Failure" && json["reason"] as? String == "NonZeroExitCode")
        let causes = try #require((json["details"] as? [String: Any])?["causes"] as? [[String: Any]])
        #expect(causes.first?["reason"] as? String == "ExitCode" && causes.first?["message"] as? String == "7")
        let success = try #require(try JSONSerialization.jsonObject(with: Data(StreamChannels.exitStatus(0, command: []))) as? [String: Any])
        #expect(success["status"] as? String == "Success")
    }

    @Test("SPDY header blocks round-trip through the dictionary-primed zlib contexts")
    func spdyHeaders() throws {
        let writer = SPDYHeaderCodec(), reader = SPDYHeaderCodec()
        for round in 0..<3 {
            let block = writer.encode([("streamtype", "data"), ("port", "80"), ("requestid", String(round))])
            let headers = try reader.decode(block)
            #expect(headers == ["streamtype": "data", "port": "80", "requestid": String(round)])
        }
        #expect(SPDYHeaderCodec.dictionary.count == 1423)
        #expect(throws: SPDYHeaderCodec.Malformed.self) { try SPDYHeaderCodec().decode([1, 2, 3, 4, 5]) }
    }

    @Test("a SYN_STREAM pair gets SYN_REPLYs and one connect action; PING is echoed; partial frames wait")
    func spdySession() async throws {
        let sent = Sent()
        let session = SPDYPortForward { await sent.append($0) }
        let client = SPDYHeaderCodec()
        func syn(_ id: UInt32, _ type: String) -> [UInt8] {
            SPDYPortForward.control(type: 1, flags: 0, SPDYPortForward.be32(id) + [0, 0, 0, 0, 0, 0]
                + client.encode([("streamtype", type), ("port", "80"), ("requestid", "0")]))
        }
        #expect(await session.feed(syn(1, "error")).isEmpty)
        let dataFrame = syn(3, "data")
        #expect(await session.feed(Array(dataFrame.prefix(5))).isEmpty)
        let actions = await session.feed(Array(dataFrame.dropFirst(5)))
        #expect(actions.count == 1)
        let ping = SPDYPortForward.control(type: 6, flags: 0, [0, 0, 0, 9])
        _ = await session.feed(ping)
        let frames = await sent.frames
        #expect(frames.count == 3)
        #expect(frames.prefix(2).allSatisfy { $0[0] == 0x80 && $0[3] == 2 })
        #expect(frames.last == ping)
        // A length that claims more than arrives never reads past the buffer.
        #expect(await session.feed([0x80, 0x03, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 1]).isEmpty)
    }
}

private actor Sent {
    var frames: [[UInt8]] = []
    func append(_ frame: [UInt8]) { frames.append(frame) }
}
