import Foundation
import SkiffAPI
import Testing
@testable import SkiffKubelet

@Suite("Container logs: the CRI log file as kubectl logs prints it", .timeLimit(.minutes(1)))
struct ContainerLogsTests {
    static let file = """
    2026-12-03T12:00:00.000000001Z stdout F one
    2026-12-03T12:00:01.000000001Z stderr P par
    2026-12-03T12:00:02.000000001Z stdout F two
    2026-12-03T12:00:03.000000001Z stderr F tial
    2026-12-03T12:00:04.000000001Z stdout F three

    """

    func text(_ options: LogOptions, since: Date? = nil) -> String {
        String(decoding: ContainerLogs.format(Substring(Self.file), options: options, since: since), as: UTF8.self)
    }

    @Test("messages in order, partial entries joined per stream")
    func plain() { #expect(text(LogOptions()) == "one\ntwo\npartial\nthree\n") }

    @Test("tailLines keeps the last lines; timestamps prefix each line with its RFC 3339 time")
    func tailAndTimestamps() throws {
        var options = try LogOptions(query: ["tailLines": "2", "timestamps": "true"])
        #expect(text(options) == "2026-12-03T12:00:03.000000001Z partial\n2026-12-03T12:00:04.000000001Z three\n")
        options = try LogOptions(query: ["tailLines": "0"])
        #expect(text(options) == "")
    }

    @Test("sinceTime drops earlier entries (each entry by its own time, as the kubelet's ReadLogs)")
    func since() {
        #expect(text(LogOptions(), since: KubeTime.parse("2026-12-03T12:00:01Z")) == "two\npartial\nthree\n")
        #expect(text(LogOptions(), since: KubeTime.parse("2026-12-03T12:00:02Z")) == "two\ntial\nthree\n")
    }

    @Test("malformed numbers and times are rejected with 400, not a crash")
    func badQuery() {
        for query in [["tailLines": "x"], ["limitBytes": "-1"], ["limitBytes": "0"], ["sinceTime": "yesterday"], ["sinceSeconds": "99999999999999999999"]] {
            #expect(throws: LogRequestError.self) { _ = try LogOptions(query: query) }
        }
    }

    @Test("limitBytes cuts the stream; without follow it ends after the file")
    func limitBytes() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-log-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.file.write(toFile: path, atomically: true, encoding: .utf8)
        var collected: [UInt8] = []
        for await chunk in ContainerLogs.stream(path: path, options: try LogOptions(query: ["limitBytes": "6"]), now: Date(), isRunning: { false }) {
            collected += chunk
        }
        #expect(String(decoding: collected, as: UTF8.self) == "one\ntw")
    }
}

@Suite("The kubelet API's access rules", .timeLimit(.minutes(1)))
struct KubeletAPIAccessTests {
    @Test("without a client certificate the API answers 401, with one that is not the API server's or an admin's 403")
    func access() async throws {
        try await KubeletHarness.with { h in
            let server = try KubeletServer(kubelet: h.kubelet, tls: TestTLS.material)
            for (authorized, code) in [(nil, 401), (false, 403)] as [(Bool?, Int)] {
                guard case .full(let status, _, _) = await server.respond(method: "GET", uri: "/pods", authorized: authorized) else {
                    Issue.record("expected a full response"); continue
                }
                #expect(status == code)
            }
            guard case .full(let status, let body, _) = await server.respond(method: "GET", uri: "/pods", authorized: true) else {
                Issue.record("expected a full response"); return
            }
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self).contains("\"kind\":\"PodList\""))
            guard case .full(let missing, _, _) = await server.respond(method: "GET", uri: "/containerLogs/default/x/y?tailLines=z", authorized: true)
            else { Issue.record("expected a full response"); return }
            #expect(missing == 400)
        }
    }
}
