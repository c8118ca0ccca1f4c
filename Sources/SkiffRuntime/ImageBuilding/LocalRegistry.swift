import AsyncHTTPClient
import Foundation

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
    private let handle: ProcessHandle

    /// Starts `docker-registry serve` on a free loopback port. With `htpasswd` (lines of
    /// `user:bcrypt-hash`), the registry demands Basic auth; pushes then need `credentials`.
    public static func start(
        executable: String = "/usr/bin/docker-registry", htpasswd: String? = nil, credentials: RegistryCredentials? = nil
    ) async throws -> LocalRegistry {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ImageError.io("\(executable) not found (install the docker-registry package)")
        }
        var lastError: any Error = ImageError.io("registry did not start")
        // A port picked free can be taken before the registry binds it; retry a few times.
        for _ in 0..<3 {
            do {
                return try await startOnce(executable: executable, htpasswd: htpasswd, credentials: credentials)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func startOnce(executable: String, htpasswd: String?, credentials: RegistryCredentials?) async throws -> LocalRegistry {
        let port = try freeLoopbackPort()
        let work = FileManager.default.temporaryDirectory.path + "/skiff-registry-" + UUID().uuidString
        let storage = work + "/storage"
        try ImageFiles.createDirectory(storage)
        var auth = ""
        if let htpasswd {
            try ImageFiles.writeAtomically(Data(htpasswd.utf8), to: work + "/htpasswd")
            auth = "auth:\n  htpasswd:\n    realm: skiff-test\n    path: \(work)/htpasswd\n"
        }
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

            """ + auth
        try ImageFiles.writeAtomically(Data(config.utf8), to: work + "/config.yml")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", work + "/config.yml"]
        _ = FileManager.default.createFile(atPath: work + "/registry.log", contents: nil)
        let log = FileHandle(forWritingAtPath: work + "/registry.log")
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            try? FileManager.default.removeItem(atPath: work)
            throw ImageError.io("cannot start \(executable): \(error)")
        }
        let registry = LocalRegistry(
            host: "127.0.0.1:\(port)", storageDirectory: storage, workDirectory: work, credentials: credentials, handle: ProcessHandle(process)
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
        await handle.terminate()
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    /// Where the registry keeps a blob's bytes (tests tamper with it to serve corrupt content).
    public func blobDataPath(_ digest: String) -> String {
        let hex = OCIDigest.hex(digest)
        return storageDirectory + "/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
    }

    /// Runs `body` with a fresh HTTP client that is shut down afterwards.
    static func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
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
        try await Self.withHTTPClient { client in try await waitUntilReady(client: client) }
    }

    private func waitUntilReady(client: HTTPClient) async throws {
        for _ in 0..<200 {
            guard handle.isRunning else {
                let log = (try? String(contentsOfFile: workDirectory + "/registry.log", encoding: .utf8)) ?? ""
                throw ImageError.io("docker-registry exited: \(log.suffix(2000))")
            }
            if let response = try? await client.execute(HTTPClientRequest(url: "http://\(host)/v2/"), timeout: .seconds(2)),
               response.status == .ok || response.status == .unauthorized {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ImageError.io("docker-registry on \(host) did not answer /v2/ within 10 s")
    }

    private static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ImageError.io("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ImageError.io("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The registry process; `Process` is only touched through its thread-safe calls.
private final class ProcessHandle: @unchecked Sendable {
    private let process: Process

    init(_ process: Process) { self.process = process }

    var isRunning: Bool { process.isRunning }

    func terminate() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                if self.process.isRunning { self.process.terminate() }
                self.process.waitUntilExit()
                continuation.resume()
            }
        }
    }
}
