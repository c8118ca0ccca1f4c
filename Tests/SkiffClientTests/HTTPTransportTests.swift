import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffStore
import Testing
@testable import SkiffClient

@Suite("The HTTP transport against a real listener", .timeLimit(.minutes(2)))
struct HTTPTransportTests {
    /// Runs an API server on an ephemeral loopback port (HTTPS with `pki`, else plain HTTP as admin).
    static func withServer(pki: ClusterPKI?, _ body: (Int) async throws -> Void) async throws {
        let store = MemoryStore()
        let server = APIServer(config: APIServerConfig(store: store, port: 0, pki: pki,
                                                       insecureUser: pki == nil ? ClientTestServer.admin : nil))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                try await body(try await server.port())
            } catch {
                group.cancelAll()
                await store.close()
                throw error
            }
            group.cancelAll()
        }
        await store.close()
    }

    static func exercise(_ client: Client) async throws {
        _ = try await client.create(Make.configMap("over-http"))
        let got = try await client.get(CoreV1.ConfigMap.self, "over-http", namespace: "default")
        #expect(got.data == ["k": "v"])
        do {
            _ = try await client.get(CoreV1.ConfigMap.self, "missing", namespace: "default")
            Issue.record("expected NotFound")
        } catch let e as ClientError {
            #expect(e.reason == .notFound)
        }
        let informer = Informer<CoreV1.ConfigMap>(client: client)
        try await running(informer) {
            try await informer.waitForSync()
            #expect(informer.cache.count == 1)
            _ = try await client.create(Make.configMap("second"))
            #expect(try await eventually { informer.cache.count == 2 })
        }
    }

    @Test("plain HTTP on loopback: verbs, errors and an informer's watch work as in process")
    func plainHTTP() async throws {
        try await Self.withServer(pki: nil) { port in
            let transport = try HTTPTransport(config: RESTConfig(server: "http://127.0.0.1:\(port)"))
            do {
                try await Self.exercise(Client(transport: transport))
            } catch {
                try await transport.shutdown()
                throw error
            }
            try await transport.shutdown()
        }
    }

    @Test("HTTPS with the cluster CA and a client certificate from a kubeconfig")
    func https() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-client-pki-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pki = try ClusterPKI.loadOrCreate(directory: dir)
        try await Self.withServer(pki: pki) { port in
            func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
            let kubeconfig = """
            apiVersion: v1
            kind: Config
            current-context: skiff
            clusters: [{name: skiff, cluster: {server: "https://127.0.0.1:\(port)", certificate-authority-data: \(b64(pki.caCertificatePEM))}}]
            contexts: [{name: skiff, context: {cluster: skiff, user: admin}}]
            users: [{name: admin, user: {client-certificate-data: \(b64(pki.adminCertificatePEM)), client-key-data: \(b64(pki.adminKeyPEM))}}]
            """
            let transport = try HTTPTransport(config: try KubeConfig.parse(kubeconfig))
            do {
                try await Self.exercise(Client(transport: transport))
                // A bearer token instead of the client certificate works too.
                var tokenConfig = try KubeConfig.parse(kubeconfig)
                tokenConfig.clientCertificatePEM = nil
                tokenConfig.clientKeyPEM = nil
                tokenConfig.bearerToken = pki.adminToken
                let tokenTransport = try HTTPTransport(config: tokenConfig)
                let list = try? await Client(transport: tokenTransport).list(CoreV1.ConfigMap.self, namespace: "default")
                try await tokenTransport.shutdown()
                #expect(list?.items.count == 2)
            } catch {
                try await transport.shutdown()
                throw error
            }
            try await transport.shutdown()
        }
    }
}
