import Foundation

/// Name and attempt of a container within its sandbox (CRI `ContainerMetadata`).
public struct ContainerMetadata: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var attempt: UInt32
    public init(name: String, attempt: UInt32 = 0) { self.name = name; self.attempt = attempt }
}

/// A host path made visible in the container (CRI `Mount`).
public struct Mount: Sendable, Equatable, Codable {
    public var hostPath: String
    public var containerPath: String
    public var readOnly: Bool
    public init(hostPath: String, containerPath: String, readOnly: Bool = false) {
        self.hostPath = hostPath; self.containerPath = containerPath; self.readOnly = readOnly
    }
}

/// A host device node made visible in the container (CRI `Device`).
public struct Device: Sendable, Equatable, Codable {
    public var hostPath: String
    public var containerPath: String
    /// cgroup permissions: any of "r", "w", "m".
    public var permissions: String
    public init(hostPath: String, containerPath: String, permissions: String = "rwm") {
        self.hostPath = hostPath; self.containerPath = containerPath; self.permissions = permissions
    }
}

/// cgroup limits (CRI `LinuxContainerResources`); zero means "not set".
public struct ContainerResources: Sendable, Equatable, Codable {
    public var cpuShares: Int64
    public var cpuQuota: Int64
    public var cpuPeriod: Int64
    public var memoryLimitInBytes: Int64
    public var pidsLimit: Int64
    public init(cpuShares: Int64 = 0, cpuQuota: Int64 = 0, cpuPeriod: Int64 = 0, memoryLimitInBytes: Int64 = 0, pidsLimit: Int64 = 0) {
        self.cpuShares = cpuShares; self.cpuQuota = cpuQuota; self.cpuPeriod = cpuPeriod
        self.memoryLimitInBytes = memoryLimitInBytes; self.pidsLimit = pidsLimit
    }
}

/// Capabilities added to or dropped from Docker's default set; "ALL" names every capability.
public struct Capabilities: Sendable, Equatable, Codable {
    public var add: [String]
    public var drop: [String]
    public init(add: [String] = [], drop: [String] = []) { self.add = add; self.drop = drop }
}

/// CRI `LinuxContainerSecurityContext`, the parts Skiff honours.
public struct SecurityContext: Sendable, Equatable, Codable {
    public var privileged: Bool
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var supplementalGroups: [Int64]
    public var readOnlyRootFilesystem: Bool
    public var noNewPrivileges: Bool
    public var capabilities: Capabilities
    public init(
        privileged: Bool = false, runAsUser: Int64? = nil, runAsGroup: Int64? = nil, supplementalGroups: [Int64] = [],
        readOnlyRootFilesystem: Bool = false, noNewPrivileges: Bool = false, capabilities: Capabilities = .init()
    ) {
        self.privileged = privileged; self.runAsUser = runAsUser; self.runAsGroup = runAsGroup
        self.supplementalGroups = supplementalGroups; self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.noNewPrivileges = noNewPrivileges; self.capabilities = capabilities
    }
}

/// Everything needed to create a container in a sandbox (CRI `ContainerConfig`).
public struct ContainerConfig: Sendable, Equatable, Codable {
    public var metadata: ContainerMetadata
    /// Image reference, resolved through the runtime's `ImageService`.
    public var image: String
    public var command: [String]
    public var args: [String]
    public var workingDir: String
    /// "NAME=value" entries, applied over the image's environment.
    public var env: [String]
    public var mounts: [Mount]
    public var devices: [Device]
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Log file, relative to the sandbox's `logDirectory` (or absolute). Empty: no log file.
    public var logPath: String
    public var stdin: Bool
    public var stdinOnce: Bool
    public var tty: Bool
    public var resources: ContainerResources
    public var securityContext: SecurityContext
    /// Host file mounted at /dev/termination-log; empty: none.
    public var terminationMessagePath: String

    public init(
        metadata: ContainerMetadata, image: String, command: [String] = [], args: [String] = [], workingDir: String = "",
        env: [String] = [], mounts: [Mount] = [], devices: [Device] = [], labels: [String: String] = [:],
        annotations: [String: String] = [:], logPath: String = "", stdin: Bool = false, stdinOnce: Bool = false,
        tty: Bool = false, resources: ContainerResources = .init(), securityContext: SecurityContext = .init(),
        terminationMessagePath: String = ""
    ) {
        self.metadata = metadata; self.image = image; self.command = command; self.args = args
        self.workingDir = workingDir; self.env = env; self.mounts = mounts; self.devices = devices
        self.labels = labels; self.annotations = annotations; self.logPath = logPath; self.stdin = stdin
        self.stdinOnce = stdinOnce; self.tty = tty; self.resources = resources
        self.securityContext = securityContext; self.terminationMessagePath = terminationMessagePath
    }
}

public enum ContainerState: String, Sendable, Equatable, Codable {
    case created = "CONTAINER_CREATED"
    case running = "CONTAINER_RUNNING"
    case exited = "CONTAINER_EXITED"
    case unknown = "CONTAINER_UNKNOWN"
}

/// Why an exited container stopped (the `reason` Kubernetes shows).
public enum ContainerExitReason: String, Sendable, Equatable, Codable {
    case completed = "Completed"
    case error = "Error"
    case oomKilled = "OOMKilled"
}

/// A container as the runtime reports it (CRI `ContainerStatus`).
public struct ContainerStatus: Sendable, Equatable {
    public var id: String
    public var podSandboxID: String
    public var metadata: ContainerMetadata
    public var state: ContainerState
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int32
    public var reason: ContainerExitReason?
    public var message: String
    public var image: String
    public var imageRef: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var mounts: [Mount]
    /// Absolute path of the log file (empty when none).
    public var logPath: String
    public var pid: Int32?
    public init(
        id: String, podSandboxID: String, metadata: ContainerMetadata, state: ContainerState, createdAt: Date,
        startedAt: Date? = nil, finishedAt: Date? = nil, exitCode: Int32 = 0, reason: ContainerExitReason? = nil,
        message: String = "", image: String, imageRef: String, labels: [String: String], annotations: [String: String],
        mounts: [Mount], logPath: String, pid: Int32? = nil
    ) {
        self.id = id; self.podSandboxID = podSandboxID; self.metadata = metadata; self.state = state
        self.createdAt = createdAt; self.startedAt = startedAt; self.finishedAt = finishedAt; self.exitCode = exitCode
        self.reason = reason; self.message = message; self.image = image; self.imageRef = imageRef
        self.labels = labels; self.annotations = annotations; self.mounts = mounts; self.logPath = logPath; self.pid = pid
    }

    /// Kubernetes' reason for an exit code: 0 Completed, otherwise Error (OOMKilled is decided by the runtime).
    package static func reason(exitCode: Int32, oomKilled: Bool) -> ContainerExitReason {
        oomKilled ? .oomKilled : (exitCode == 0 ? .completed : .error)
    }
}

/// Selects containers in `listContainers` (CRI `ContainerFilter`); nil fields match everything.
public struct ContainerFilter: Sendable, Equatable {
    public var id: String?
    public var podSandboxID: String?
    public var state: ContainerState?
    public var labelSelector: [String: String]
    public init(id: String? = nil, podSandboxID: String? = nil, state: ContainerState? = nil, labelSelector: [String: String] = [:]) {
        self.id = id; self.podSandboxID = podSandboxID; self.state = state; self.labelSelector = labelSelector
    }
    package func matches(_ status: ContainerStatus) -> Bool {
        if let id, !status.id.hasPrefix(id) { return false }
        if let podSandboxID, status.podSandboxID != podSandboxID { return false }
        if let state, status.state != state { return false }
        return labelSelector.allSatisfy { status.labels[$0.key] == $0.value }
    }
}

/// Result of `execSync` (CRI `ExecSyncResponse`).
public struct ExecSyncResult: Sendable, Equatable {
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var exitCode: Int32
    public init(stdout: [UInt8], stderr: [UInt8], exitCode: Int32) { self.stdout = stdout; self.stderr = stderr; self.exitCode = exitCode }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
