import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime

/// What `/exec/{ns}/{pod}/{container}` or `/attach/…` asks for (query as the API server passes it on:
/// `command` repeated, `stdin`, `stdout`, `stderr`, `tty`; upstream's `input`/`output`/`error` too).
struct StreamRequest: Sendable, Equatable {
    enum Kind: String, Sendable { case exec, attach }
    var kind: Kind
    var namespace: String
    var pod: String
    var container: String
    var command: [String] = []
    var stdin = false
    var stdout = true
    var stderr = true
    var tty = false

    /// Parses a request URI; nil when it is not an exec or attach path.
    init?(uri: String) {
        let mark = uri.firstIndex(of: "?")
        let path = mark.map { String(uri[..<$0]) } ?? uri
        let parts = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard parts.count == 4, let kind = Kind(rawValue: parts[0]) else { return nil }
        self.kind = kind; namespace = parts[1]; pod = parts[2]; container = parts[3]
        var flags: [String: Bool] = [:]
        if let mark {
            for pair in uri[uri.index(after: mark)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
                let key = kv[0].removingPercentEncoding ?? kv[0]
                let value = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
                if key == "command" { command.append(value) } else { flags[key] = value == "true" || value == "1" || value.isEmpty }
            }
        }
        stdin = flags["stdin"] ?? flags["input"] ?? false
        stdout = flags["stdout"] ?? flags["output"] ?? true
        stderr = flags["stderr"] ?? flags["error"] ?? true
        tty = flags["tty"] ?? false
        if tty { stderr = false }
    }
}

extension Kubelet {
    /// The running container a stream request targets, or the error upstream's kubelet gives.
    func streamTarget(_ request: StreamRequest) async throws(LogRequestError) -> String {
        guard let pod = pods.cache.get(ObjectKey(namespace: request.namespace, name: request.pod)), let uid = pod.metadata?.uid else {
            throw LogRequestError(status: 404, message: "pod \(request.namespace)/\(request.pod) not found on node \(config.nodeName)")
        }
        let known = ((pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])).compactMap(\.name)
        guard known.contains(request.container) else {
            throw LogRequestError(status: 400, message: "container \(request.container) is not valid for pod \(request.pod)")
        }
        if request.kind == .exec, request.command.isEmpty {
            throw LogRequestError(status: 400, message: "you must specify at least 1 command")
        }
        let all = (try? await runtime.listContainers(ContainerFilter(labelSelector: [RuntimeLabels.podUID: uid]))) ?? []
        let running = all.filter { $0.containerName == request.container && $0.state == .running }
            .sorted { $0.metadata.attempt > $1.metadata.attempt }
        guard let chosen = running.first else {
            throw LogRequestError(status: 400, message: "container \(request.container) is not running in pod \(request.namespace)/\(request.pod)")
        }
        return chosen.id
    }

    /// Starts the exec process or the attachment.
    func startStream(_ request: StreamRequest, containerID: String) async throws -> StreamSession {
        switch request.kind {
        case .exec:
            return try await runtime.exec(ExecRequest(containerID: containerID, command: request.command, stdin: request.stdin, tty: request.tty))
        case .attach:
            return try await runtime.attach(AttachRequest(containerID: containerID, stdin: request.stdin))
        }
    }
}
