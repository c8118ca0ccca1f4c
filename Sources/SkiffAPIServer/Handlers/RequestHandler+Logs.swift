import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SkiffAPI

// Owned by the kubelet work (issue 10 §4).
/// How the API server reaches kubelets: HTTPS with the cluster's admin client certificate
/// (the kubelet authorizes `system:masters`), trusting the cluster CA without checking the
/// host name (kube-apiserver does not verify kubelet serving certificates by default either).
struct NodeConnection: Sendable {
    let tls: TLSConfiguration

    init(pki: ClusterPKI) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(pki.adminCertificatePEM.utf8)),
           let key = try? NIOSSLPrivateKey(bytes: Array(pki.adminKeyPEM.utf8), format: .pem) {
            tls.certificateChain = certificates.map { .certificate($0) }
            tls.privateKey = .privateKey(key)
        }
        if let roots = try? NIOSSLCertificate.fromPEMBytes(Array(pki.caCertificatePEM.utf8)) {
            tls.trustRoots = .certificates(roots)
        }
        tls.certificateVerification = .noHostnameVerification
        self.tls = tls
    }
}

extension RequestHandler {
    /// `GET pods/{name}/log`: proxied to the kubelet of the pod's node (`/containerLogs/…`),
    /// streamed back as it arrives (so `kubectl logs -f` follows).
    func podLogs(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        guard let connection = nodeConnection, let name = route.name else { throw .internalError("no node connection") }
        let pod = try await readStored(r, namespace: route.namespace, name: name).object
        let spec = pod["spec"]
        let names = ((spec?["containers"]?.arrayValue ?? []) + (spec?["initContainers"]?.arrayValue ?? [])
            + (spec?["ephemeralContainers"]?.arrayValue ?? [])).compactMap { $0["name"]?.stringValue }
        let regular = (spec?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var container = request.query["container"] ?? ""
        if container.isEmpty {
            guard regular.count == 1 else {
                throw .badRequest("a container name must be specified for pod \(name), choose one of: [\(regular.joined(separator: " "))]")
            }
            container = regular[0]
        }
        guard names.contains(container) else { throw .badRequest("container \(container) is not valid for pod \(name)") }
        guard let nodeName = spec?["nodeName"]?.stringValue, !nodeName.isEmpty else {
            throw .badRequest("pod \(name) does not have a host assigned")
        }
        let (host, port) = try await kubeletEndpoint(nodeName: nodeName)

        var query: [String] = []
        for key in ["follow", "previous", "timestamps", "tailLines", "limitBytes", "sinceSeconds", "sinceTime"] {
            if let value = request.query[key] { query.append("\(key)=\(Self.percentEncode(value))") }
        }
        let path = ["containerLogs", route.namespace ?? "default", name, container].map(Self.percentEncode).joined(separator: "/")
        var outgoing = HTTPClientRequest(url: "https://\(host):\(port)/\(path)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        outgoing.tlsConfiguration = connection.tls
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(30))
        } catch {
            throw APIError(code: 500, reason: .internalError,
                           message: "Get \"https://\(host):\(port)/\(path)\": \(error)")
        }
        guard response.status.code == 200 else {
            let text = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            let message = text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch response.status.code {
            case 400: throw .badRequest(message)
            case 404: throw APIError(code: 404, reason: .notFound, message: message)
            default: throw .internalError(message)
            }
        }
        let body = response.body
        let chunks = AsyncStream<[UInt8]> { continuation in
            let task = Task {
                do {
                    for try await buffer in body { continuation.yield(Array(buffer.readableBytesView)) }
                } catch {}
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return .stream(status: 200, headers: [("Content-Type", "text/plain")], chunks: chunks)
    }

    /// Where the kubelet of a node listens: its InternalIP (or first address) and `daemonEndpoints.kubeletEndpoint.Port`.
    func kubeletEndpoint(nodeName: String) async throws(APIError) -> (host: String, port: Int) {
        guard let nodes = registry.resource(group: "", version: "v1", plural: "nodes") else { throw .internalError("no nodes resource") }
        let node = try await readStored(nodes, namespace: nil, name: nodeName).object
        let addresses = node["status"]?["addresses"]?.arrayValue ?? []
        let address = (addresses.first { $0["type"]?.stringValue == "InternalIP" } ?? addresses.first)?["address"]?.stringValue
        let port = node["status"]?["daemonEndpoints"]?["kubeletEndpoint"]?["Port"]?.intValue ?? 10250
        guard let address else { throw APIError(code: 503, reason: .serviceUnavailable, message: "node \(nodeName) has no address") }
        return (address.contains(":") ? "[\(address)]" : address, Int(port))
    }

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
