import Foundation

/// Pod sandboxes: the shared network/IPC/UTS environment of a pod (CRI RuntimeService, sandbox half).
public protocol PodSandboxManager: Sendable {
    /// Creates and starts a sandbox and returns its id. Throws `alreadyExists` when a sandbox with the same
    /// metadata exists; a failure half-way is rolled back.
    func runPodSandbox(_ config: PodSandboxConfig) async throws -> String
    /// Stops every container of the sandbox (killing them) and tears down its network. Idempotent.
    func stopPodSandbox(_ id: String) async throws
    /// Removes a sandbox and its containers (stopping them first). Idempotent: an unknown id is not an error.
    func removePodSandbox(_ id: String) async throws
    /// Throws `notFound` for an unknown id.
    func podSandboxStatus(_ id: String) async throws -> PodSandboxStatus
    func listPodSandboxes(_ filter: PodSandboxFilter?) async throws -> [PodSandboxStatus]
}

/// Containers inside sandboxes (CRI RuntimeService, container half).
public protocol ContainerManager: Sendable {
    /// Creates a container (state CREATED) in a ready sandbox and returns its id. Throws `notFound` for an
    /// unknown sandbox or image, `alreadyExists` for a duplicate name+attempt in the sandbox.
    func createContainer(in podSandboxID: String, config: ContainerConfig, sandboxConfig: PodSandboxConfig) async throws -> String
    /// Starts a CREATED container. Throws `failedPrecondition` in any other state.
    func startContainer(_ id: String) async throws
    /// Sends SIGTERM, waits up to `timeout`, then SIGKILL; returns once the container has exited. Idempotent.
    func stopContainer(_ id: String, timeout: Duration) async throws
    /// Removes a container (killing it if still running) and its root filesystem. Idempotent.
    func removeContainer(_ id: String) async throws
    func containerStatus(_ id: String) async throws -> ContainerStatus
    func listContainers(_ filter: ContainerFilter?) async throws -> [ContainerStatus]
    /// Runs a command in a running container and collects its output. When `timeout` elapses the command
    /// is killed and `RuntimeError.timeout` is thrown.
    func execSync(_ id: String, command: [String], timeout: Duration?) async throws -> ExecSyncResult
}

/// Interactive sessions (CRI's streaming server calls, as an in-process API).
public protocol StreamingRuntime: Sendable {
    /// Starts a command in a running container with its stdio connected to the session.
    func exec(_ request: ExecRequest) async throws -> StreamSession
    /// Connects to a running container's main process: output from the moment of attaching, stdin
    /// when the container was created with `stdin`.
    func attach(_ request: AttachRequest) async throws -> StreamSession
    /// Opens a TCP connection to `port` on localhost inside the sandbox's network namespace.
    func portForward(podSandboxID: String, port: Int) async throws -> ByteStream
}

/// Resource usage from cgroups.
public protocol StatsProvider: Sendable {
    func containerStats(_ id: String) async throws -> ContainerStats
    func podSandboxStats(_ podSandboxID: String) async throws -> PodSandboxStats
}

/// Everything a kubelet needs from a node's container runtime: CRI's RuntimeService and ImageService,
/// composed from small roles so tests and callers can depend on only the part they use.
public protocol ContainerRuntime: PodSandboxManager, ContainerManager, StreamingRuntime, StatsProvider, ImageService {}

/// A runtime whose image calls go to a separate `ImageService` (containerd keeps its image
/// store apart from its runtimes the same way); conformers get the image half for free.
public protocol DelegatesImageService: ImageService {
    /// Where image calls go.
    var imageService: any ImageService { get }
}

extension DelegatesImageService {
    public func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws -> ImageRecord {
        try await imageService.pullImage(reference, credentials: credentials)
    }
    public func importImage(from path: String) async throws -> [ImageRecord] { try await imageService.importImage(from: path) }
    public func imageStatus(_ reference: String) async throws -> ImageRecord? { try await imageService.imageStatus(reference) }
    public func listImages() async throws -> [ImageRecord] { try await imageService.listImages() }
    public func removeImage(_ reference: String) async throws { try await imageService.removeImage(reference) }
}
