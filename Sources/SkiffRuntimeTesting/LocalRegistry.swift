import AsyncHTTPClient
import Foundation
import NIOSSL
import SkiffRuntime
import SkiffSystem
#if canImport(Glibc)
import Glibc
#endif

/// A real OCI registry on loopback for tests and benchmarks: Debian's `docker-registry`
/// (distribution 2.x) with a temporary storage directory, plus a client for the push side of
/// the distribution API.
///
/// `start()` returns once `/v2/` answers; `stop()` terminates the process and deletes the
/// storage. Plain HTTP: `OCIImageStore` uses plain HTTP for loopback registries by default.
public struct LocalRegistry: Sendable {
    /// `127.0.0.1:<port>`.
    public let host: String
    /// The registry's storage root (filesystem driver).
    public let storageDirectory: String
    let workDirectory: String
    /// Sent as Basic auth with every request of this harness.
    let credentials: RegistryCredentials?
    /// The CA the harness trusts when the registry serves HTTPS.
    let certificateAuthority: String?
    /// `http://host` or `https://host`.
    public var baseURL: String { (certificateAuthority == nil ? "http://" : "https://") + host }
    private let handle: ProcessHandle

    /// How the registry authenticates clients.
    public enum Authentication: Sendable {
        /// Basic auth against lines of `user:bcrypt-hash`.
        case htpasswd(String)
        /// Bearer tokens (JWTs signed by a certificate in the PEM bundle) from the token service at `realm`.
        case token(realm: String, service: String, issuer: String, rootCertificateBundle: String)
    }

    /// A certificate and key (PEM files) the registry serves HTTPS with, and the CA that signed it.
    public struct TLS: Sendable {
        public var certificate: String
        public var key: String
        public var certificateAuthority: String

        public init(certificate: String, key: String, certificateAuthority: String) {
            self.certificate = certificate
            self.key = key
            self.certificateAuthority = certificateAuthority
        }
    }

    /// Starts `docker-registry serve` on a free loopback port: plain HTTP unless `tls` is given,
    /// anonymous unless `authentication` is given (the harness's own pushes then send
    /// `credentials`: Basic, or the bearer token).
    public static func start(
        executable: String = "/usr/bin/docker-registry", authentication: Authentication? = nil,
        credentials: RegistryCredentials? = nil, tls: TLS? = nil
    ) async throws -> LocalRegistry {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ImageError.io("\(executable) not found (install the docker-registry package)")
        }
        var lastError: any Error = ImageError.io("registry did not start")
        // A port picked free can be taken before the registry binds it; retry a few times.
        for _ in 0..<3 {
            do {
                return try await startOnce(executable: executable, authentication: authentication, credentials: credentials, tls: tls)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func startOnce(executable: String, authentication: Authentication?, credentials: RegistryCredentials?, tls: TLS?) async throws -> LocalRegistry {
        let port = try freeLoopbackPort()
        let work = FileManager.default.temporaryDirectory.path + "/skiff-registry-" + UUID().uuidString
        let storage = work + "/storage"
        try ImageFiles.createDirectory(storage)
        var auth = ""
        switch authentication {
        case .htpasswd(let lines):
            try ImageFiles.writeAtomically(Data(lines.utf8), to: work + "/htpasswd")
            auth = "auth:\n  htpasswd:\n    realm: skiff-test\n    path: \(work)/htpasswd\n"
        case .token(let realm, let service, let issuer, let bundle):
            auth = "auth:\n  token:\n    realm: \(realm)\n    service: \(service)\n    issuer: \(issuer)\n    rootcertbundle: \(bundle)\n"
        case nil:
            break
        }
        let tlsSection = tls.map { "  tls:\n    certificate: \($0.certificate)\n    key: \($0.key)\n" } ?? ""
        let config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(storage)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: \(UUID().uuidString)

            """ + tlsSection + auth
        try ImageFiles.writeAtomically(Data(config.utf8), to: work + "/config.yml")
        let log = open(work + "/registry.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            if log >= 0 { close(log) }
            if devNull >= 0 { close(devNull) }
        }
        let handle: ProcessHandle
        do {
            guard log >= 0, devNull >= 0 else { throw ProcessError.system(operation: "open the registry log", errno: errno) }
            handle = try ProcessHandle.start([executable, "serve", work + "/config.yml"], files: [(0, devNull), (1, log), (2, log)])
        } catch {
            try? FileManager.default.removeItem(atPath: work)
            throw ImageError.io("cannot start \(executable): \(error)")
        }
        let registry = LocalRegistry(
            host: "127.0.0.1:\(port)", storageDirectory: storage, workDirectory: work, credentials: credentials,
            certificateAuthority: tls?.certificateAuthority, handle: handle
        )
        do {
            try await registry.waitUntilReady()
            return registry
        } catch {
            await registry.stop()
            throw error
        }
    }

    /// Terminates the registry and deletes its storage. Safe to call more than once.
    public func stop() async {
        // A child may inherit an ignored SIGTERM; give it 5 s, then SIGKILL.
        await handle.terminate(grace: .seconds(5))
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    /// Where the registry keeps a blob's bytes (tests tamper with it to serve corrupt content).
    public func blobDataPath(_ digest: String) -> String {
        let hex = OCIDigest.hex(digest)
        return storageDirectory + "/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
    }

    /// Runs `body` with a fresh HTTP client that is shut down afterwards.
    func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        if let certificateAuthority {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(certificateAuthority)
            configuration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let result = try await body(client)
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func waitUntilReady() async throws {
        try await withHTTPClient { client in try await waitUntilReady(client: client) }
    }

    private func waitUntilReady(client: HTTPClient) async throws {
        for _ in 0..<200 {
            guard handle.isRunning else {
                let log = (try? String(contentsOfFile: workDirectory + "/registry.log", encoding: .utf8)) ?? ""
                throw ImageError.io("docker-registry exited: \(log.suffix(2000))")
            }
            if let response = try? await client.execute(HTTPClientRequest(url: "\(baseURL)/v2/"), timeout: .seconds(2)),
               response.status == .ok || response.status == .unauthorized {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ImageError.io("docker-registry on \(host) did not answer /v2/ within 10 s")
    }
}
