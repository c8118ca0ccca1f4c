import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Settings of the real runtime. The library never reads flags or the environment: callers fill this in.
public struct RuncRuntimeConfiguration: Sendable {
    /// Where sandboxes, containers, bundles and runc's own state live (tmpfs recommended).
    public var stateDirectory: String
    /// The OCI runtime binary: runc or crun.
    public var runtimeBinary: String
    /// The `skiff` executable, re-executed as `skiff shim run` and `skiff shim pause`.
    public var shimExecutable: String
    public var network: CNIConfiguration
    /// cgroup parent (relative to each v1 hierarchy) under which every pod gets a directory.
    public var cgroupParent: String
    public var cgroupRoot: String
    /// Nameservers written to resolv.conf when the sandbox has no DNS config.
    public var defaultDNS: DNSConfig

    public init(
        stateDirectory: String = "/run/skiff/runtime", runtimeBinary: String = "/usr/sbin/runc", shimExecutable: String,
        network: CNIConfiguration = .init(), cgroupParent: String = "skiff", cgroupRoot: String = "/sys/fs/cgroup",
        defaultDNS: DNSConfig = DNSConfig(servers: ["8.8.8.8"])
    ) {
        self.stateDirectory = stateDirectory; self.runtimeBinary = runtimeBinary; self.shimExecutable = shimExecutable
        self.network = network; self.cgroupParent = cgroupParent; self.cgroupRoot = cgroupRoot; self.defaultDNS = defaultDNS
    }
}

/// The real runtime: sandboxes are namespaces held by a pause process and wired by CNI, containers are
/// OCI bundles on overlayfs run by runc (or crun) under a per-container shim. All state lives in files
/// under `stateDirectory`, so a new instance over the same directory sees what an earlier one created
/// (recovery after an agent restart). Blocking work (runc, CNI, mounts) runs on dedicated threads.
public final class RuncRuntime: ContainerRuntime, DelegatesImageService {
    public let configuration: RuncRuntimeConfiguration
    let images: any ImageService
    let network: CNINetwork
    /// Names being created right now, so two concurrent creates of one name cannot both pass the check.
    let reservations = Mutex<Set<String>>([])
    /// A container shim and a pause process started ahead of the next `createContainer` and
    /// `runPodSandbox` (see `StandbyShimPool`).
    let standbyShims: StandbyShimPool
    let standbyPauses: StandbyShimPool

    public init(configuration: RuncRuntimeConfiguration, images: any ImageService) throws {
        self.configuration = configuration
        self.images = images
        self.network = CNINetwork(configuration: configuration.network)
        self.standbyShims = StandbyShimPool(executable: configuration.shimExecutable)
        self.standbyPauses = StandbyShimPool(executable: configuration.shimExecutable)
        signal(SIGPIPE, SIG_IGN)
        CgroupLayout.bindUnclaimedControllers(cgroupRoot: configuration.cgroupRoot)
        for dir in [sandboxesDirectory, containersDirectory, runtimeRoot] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        standbyShims.refill()
        standbyPauses.refill()
    }

    var sandboxesDirectory: String { configuration.stateDirectory + "/sandboxes" }
    var containersDirectory: String { configuration.stateDirectory + "/containers" }
    var runtimeRoot: String { configuration.stateDirectory + "/runc" }
    func sandboxDirectory(_ id: String) -> String { sandboxesDirectory + "/" + id }
    func containerDirectory(_ id: String) -> String { containersDirectory + "/" + id }

    func reserve(_ key: String) throws(RuntimeError) {
        let inserted = reservations.withLock { $0.insert(key).inserted }
        guard inserted else { throw .alreadyExists(kind: "name", name: key) }
    }
    func release(_ key: String) { _ = reservations.withLock { $0.remove(key) } }

    /// Validates an id before it becomes part of a path.
    func checkID(_ id: String, kind: String) throws(RuntimeError) {
        guard !id.isEmpty, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw .notFound(kind: kind, id: id)
        }
    }

    /// Image calls go to the image service (`DelegatesImageService`).
    public var imageService: any ImageService { images }
}

/// Mounting and unmounting with errors translated.
enum Mounts {
    static func mountOverlay(lower: [String], upper: String, work: String, target: String) throws(RuntimeError) {
        // overlayfs lists the uppermost lower layer first; image layers come lowest first.
        let options = "lowerdir=\(lower.reversed().joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        guard mount("overlay", target, "overlay", 0, options) == 0 else { throw .system("mount overlay on \(target)", errno) }
    }

    /// Detaches the mount at `path`; not mounted is fine.
    static func unmount(_ path: String) {
        while umount2(path, Int32(MNT_DETACH)) == 0 {}
    }

    static func isMounted(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == path }
    }
}
