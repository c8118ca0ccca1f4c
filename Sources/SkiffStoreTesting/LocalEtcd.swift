#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SkiffStore
import SkiffStoreEtcd
import SkiffSystem
import Synchronization

/// A single-member etcd (the real `/usr/bin/etcd`) on free loopback ports with its own temporary
/// data directory, for tests and benchmarks.
///
/// `start` returns once etcd answers requests. The process is not tied to the caller's lifetime:
/// always `stop()` it (tests: in a `defer`-like cleanup, also on failure).
public struct LocalEtcd: Sendable {
    /// The client port (gRPC and HTTP) on 127.0.0.1.
    public let clientPort: Int
    /// The peer (raft) port on 127.0.0.1.
    public let peerPort: Int
    /// Holds `data/` (etcd's data dir) and `etcd.log` (its output).
    public let directory: String
    public let executable: String

    /// "127.0.0.1:PORT", for `EtcdStore.connect(endpoints:)`.
    public var endpoint: String { "127.0.0.1:\(clientPort)" }
    public var dataDirectory: String { directory + "/data" }
    public var logFile: String { directory + "/etcd.log" }

    private let process: ProcessSlot

    /// Starts etcd and waits (up to `timeout`) until it answers.
    /// - Parameters:
    ///   - executable: the etcd binary.
    ///   - extraArguments: more etcd flags (e.g. `--quota-backend-bytes=…`).
    ///   - timeout: how long to wait for etcd to answer.
    public static func start(
        executable: String = "/usr/bin/etcd",
        extraArguments: [String] = [],
        timeout: Duration = .seconds(30)
    ) async throws -> LocalEtcd {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw LocalEtcdError.notInstalled(executable)
        }
        let template = NSTemporaryDirectory() + "skiff-etcd-XXXXXX"
        var path = Array(template.utf8CString)
        guard mkdtemp(&path) != nil else { throw LocalEtcdError.setup("cannot create a temporary directory") }
        let directory = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            // A port that was free a moment ago can be taken by a parallel test before etcd binds
            // it; etcd then exits with "address already in use", and we try again on new ports.
            var attempt = 0
            while true {
                attempt += 1
                let clientPort = try freeLoopbackPort()
                var peerPort = try freeLoopbackPort()
                while peerPort == clientPort { peerPort = try freeLoopbackPort() }
                let etcd = LocalEtcd(
                    clientPort: clientPort, peerPort: peerPort, directory: directory, executable: executable,
                    process: ProcessSlot(extraArguments: extraArguments)
                )
                do {
                    try await etcd.launch(timeout: timeout)
                    return etcd
                } catch LocalEtcdError.exited(_, let log) where attempt < 5 && log.contains("address already in use") {
                    try? FileManager.default.removeItem(atPath: etcd.dataDirectory)
                    try? FileManager.default.removeItem(atPath: etcd.logFile)
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Stops etcd (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. Removes the
    /// directory unless `keepingData`. Safe to call more than once.
    public func stop(keepingData: Bool = false) async {
        await terminate()
        if !keepingData { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Stops etcd (keeping its data) and starts it again on the same ports and data directory.
    public func restart(timeout: Duration = .seconds(30)) async throws {
        await terminate()
        try await launch(timeout: timeout)
    }

    private func terminate() async {
        guard let running = process.take() else { return }
        await running.terminate(grace: .seconds(5))
    }

    private var arguments: [String] {
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        return [
            "--name", "skiff",
            "--data-dir", dataDirectory,
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "skiff=\(peer)",
            "--initial-cluster-token", "skiff-\(clientPort)",
            "--initial-cluster-state", "new",
            "--logger", "zap",
            "--log-outputs", "stderr",
        ] + process.extraArguments
    }

    private func launch(timeout: Duration) async throws {
        let log = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw LocalEtcdError.setup("cannot open \(logFile)") }
        defer { close(log) }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard devNull >= 0 else { throw LocalEtcdError.setup("cannot open /dev/null") }
        defer { close(devNull) }
        let child: ProcessHandle
        do {
            child = try ProcessHandle.start([executable] + arguments, files: [(0, devNull), (1, log), (2, log)])
        } catch {
            throw LocalEtcdError.setup("cannot run \(executable): \(error)")
        }
        process.set(child)
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = child.exitCode {
                _ = process.take()
                throw LocalEtcdError.exited(status: status, log: logTail())
            }
            if let store = try? await EtcdStore.connect(endpoints: [endpoint], requestTimeout: .seconds(2)) {
                await store.close()
                return
            }
            if ContinuousClock.now >= deadline {
                await terminate()
                throw LocalEtcdError.notReady(log: logTail())
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func logTail() -> String {
        guard let data = FileManager.default.contents(atPath: logFile) else { return "" }
        return String(decoding: data.suffix(2000), as: UTF8.self)
    }
}

public enum LocalEtcdError: Error, CustomStringConvertible {
    case notInstalled(String)
    case setup(String)
    case exited(status: Int32, log: String)
    case notReady(log: String)

    public var description: String {
        switch self {
        case .notInstalled(let path): "etcd is not installed at \(path) (Debian package etcd-server)"
        case .setup(let why): "cannot start etcd: \(why)"
        case .exited(let status, let log): "etcd exited with status \(status):\n\(log)"
        case .notReady(let log): "etcd did not answer in time:\n\(log)"
        }
    }
}

/// The running etcd process, shared by the copies of a `LocalEtcd`; `take()` hands it to exactly
/// one caller (the one stopping it).
private final class ProcessSlot: Sendable {
    let extraArguments: [String]
    private let running = Mutex<ProcessHandle?>(nil)

    init(extraArguments: [String]) { self.extraArguments = extraArguments }

    func set(_ process: ProcessHandle) {
        running.withLock { $0 = process }
    }

    func take() -> ProcessHandle? {
        running.withLock { current in
            defer { current = nil }
            return current
        }
    }
}
