import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import SkiffAPI
import SkiffRuntime

/// Runs one probe once: exec in the container (exit 0 succeeds), an HTTP GET to the pod
/// (2xx/3xx succeed), or a TCP connect. A timeout or error is a failure.
struct ProbeRunner: Sendable {
    let runtime: any ContainerRuntime

    func run(_ probe: CoreV1.Probe, target: ProbeManager.Target) async -> Bool {
        let timeout = Duration.seconds(Int(max(probe.timeoutSeconds ?? 1, 1)))
        if let exec = probe.exec {
            guard let command = exec.command, !command.isEmpty else { return false }
            let result = try? await runtime.execSync(target.containerID, command: command, timeout: timeout)
            return result?.exitCode == 0
        }
        if let http = probe.httpGet {
            guard let port = Self.port(http.port, container: target.container) else { return false }
            let host = http.host.flatMap { $0.isEmpty ? nil : $0 } ?? target.podIP
            let scheme = (http.scheme ?? "HTTP").lowercased()
            var path = http.path ?? "/"
            if !path.hasPrefix("/") { path = "/" + path }
            var request = HTTPClientRequest(url: "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)")
            request.headers.add(name: "User-Agent", value: "kube-probe/1.37")
            request.headers.add(name: "Accept", value: "*/*")
            for header in http.httpHeaders ?? [] {
                if let name = header.name { request.headers.replaceOrAdd(name: name, value: header.value ?? "") }
            }
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
                _ = try? await response.body.collect(upTo: 10 * 1024)
                return (200 ..< 400).contains(response.status.code)
            } catch {
                return false
            }
        }
        if let tcp = probe.tcpSocket {
            guard let port = Self.port(tcp.port, container: target.container) else { return false }
            let host = tcp.host.flatMap { $0.isEmpty ? nil : $0 } ?? target.podIP
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.nanoseconds(Int64(timeout.seconds * 1e9)))
                    .connect(host: host, port: port).get()
                try? await channel.close()
                return true
            } catch {
                return false
            }
        }
        // grpc probes are not implemented: treat as success so they never kill a container.
        return true
    }

    /// A probe port: a number, or the name of one of the container's ports.
    static func port(_ value: IntOrString?, container: CoreV1.Container) -> Int? {
        switch value {
        case .int(let number): return number > 0 && number < 65536 ? Int(number) : nil
        case .string(let name):
            if let number = Int(name), number > 0, number < 65536 { return number }
            return container.ports?.first { $0.name == name }?.containerPort.map(Int.init)
        case nil: return nil
        }
    }
}
