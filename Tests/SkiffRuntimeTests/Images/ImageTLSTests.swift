import Foundation
import Testing
@testable import SkiffRuntime
import SkiffRuntimeTesting

@Suite("Pulling over HTTPS with a configured CA", .timeLimit(.minutes(5)))
struct ImageTLSTests {
    /// A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl).
    static func makeCertificates(in directory: String) async throws -> LocalRegistry.TLS {
        let openssl = "/usr/bin/openssl"
        try await ImageSubprocess.run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/ca.key", "-out", directory + "/ca.pem", "-days", "1", "-subj", "/CN=skiff-test-ca"])
        try await ImageSubprocess.run(openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/server.key", "-out", directory + "/server.csr", "-subj", "/CN=127.0.0.1"])
        try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: URL(fileURLWithPath: directory + "/ext"))
        try await ImageSubprocess.run(openssl, ["x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.pem", "-CAkey", directory + "/ca.key", "-CAcreateserial", "-out", directory + "/server.pem", "-days", "1", "-extfile", directory + "/ext"])
        return LocalRegistry.TLS(certificate: directory + "/server.pem", key: directory + "/server.key", certificateAuthority: directory + "/ca.pem")
    }

    @Test("a registry serving HTTPS is pulled from when its CA is configured and refused when it is not")
    func httpsWithCA() async throws {
        try await withImageTestDirectory { directory in
            let tls = try await Self.makeCertificates(in: directory)
            let registry = try await LocalRegistry.start(tls: tls)
            do {
                let built = try await OfflineBusyboxImage().writeLayout(to: directory + "/layout")
                try await registry.push(layoutDirectory: directory + "/layout", repository: "tls/busybox", tag: "1")
                let reference = "\(registry.host)/tls/busybox:1"

                let untrusting = try OCIImageStore(root: directory + "/store1", options: RegistryOptions(plainHTTPForLoopback: false, connectTimeoutSeconds: 1))
                await #expect {
                    try await untrusting.pullImage(reference, credentials: nil)
                } throws: { error in
                    guard case .registry(let status, _) = error as? ImageError else { return false }
                    return status == 0
                }

                let trusting = try OCIImageStore(root: directory + "/store2", options: RegistryOptions(certificateAuthorities: [registry.host: tls.certificateAuthority]))
                let image = try await trusting.pullImage(reference, credentials: nil)
                #expect(image.id == built.configDigest)
                await registry.stop()
            } catch {
                await registry.stop()
                throw error
            }
        }
    }
}
