import Foundation

/// Name, namespace, uid and attempt of a pod sandbox (CRI `PodSandboxMetadata`).
public struct PodSandboxMetadata: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var attempt: UInt32
    public init(name: String, namespace: String, uid: String, attempt: UInt32 = 0) {
        self.name = name; self.namespace = namespace; self.uid = uid; self.attempt = attempt
    }
}

/// DNS settings written to the sandbox's resolv.conf (CRI `DNSConfig`).
public struct DNSConfig: Sendable, Equatable, Codable {
    public var servers: [String]
    public var searches: [String]
    public var options: [String]
    public init(servers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.servers = servers; self.searches = searches; self.options = options
    }
}

public enum NetworkProtocol: String, Sendable, Equatable, Codable { case tcp = "TCP", udp = "UDP", sctp = "SCTP" }

/// A host port forwarded into the sandbox (CRI `PortMapping`; implemented by the CNI portmap plugin).
public struct PortMapping: Sendable, Equatable, Codable {
    public var `protocol`: NetworkProtocol
    public var containerPort: Int32
    public var hostPort: Int32
    public var hostIP: String
    public init(protocol: NetworkProtocol = .tcp, containerPort: Int32, hostPort: Int32, hostIP: String = "") {
        self.protocol = `protocol`; self.containerPort = containerPort; self.hostPort = hostPort; self.hostIP = hostIP
    }
}

/// Everything needed to create a pod sandbox (CRI `PodSandboxConfig`).
public struct PodSandboxConfig: Sendable, Equatable, Codable {
    public var metadata: PodSandboxMetadata
    public var hostname: String
    /// Directory under which container log paths (relative) are resolved.
    public var logDirectory: String
    public var dnsConfig: DNSConfig?
    public var portMappings: [PortMapping]
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Share the node's network (and UTS) namespace instead of creating one (Docker's host mode).
    public var hostNetwork: Bool
    /// Cgroup parent under which the pod's containers are placed; empty: the runtime's default.
    public var cgroupParent: String

    public init(
        metadata: PodSandboxMetadata, hostname: String = "", logDirectory: String = "", dnsConfig: DNSConfig? = nil,
        portMappings: [PortMapping] = [], labels: [String: String] = [:], annotations: [String: String] = [:],
        hostNetwork: Bool = false, cgroupParent: String = ""
    ) {
        self.metadata = metadata; self.hostname = hostname; self.logDirectory = logDirectory
        self.dnsConfig = dnsConfig; self.portMappings = portMappings; self.labels = labels
        self.annotations = annotations; self.hostNetwork = hostNetwork; self.cgroupParent = cgroupParent
    }
}

public enum PodSandboxState: String, Sendable, Equatable, Codable {
    case ready = "SANDBOX_READY"
    case notReady = "SANDBOX_NOTREADY"
}

/// A sandbox as the runtime reports it (CRI `PodSandboxStatus`).
public struct PodSandboxStatus: Sendable, Equatable {
    public var id: String
    public var metadata: PodSandboxMetadata
    public var state: PodSandboxState
    public var createdAt: Date
    /// The pod IP from CNI; empty for host-network pods (their IP is the node's).
    public var ip: String
    public var additionalIPs: [String]
    public var hostNetwork: Bool
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Path of the sandbox's network namespace; empty for host-network pods.
    public var networkNamespacePath: String
    public init(
        id: String, metadata: PodSandboxMetadata, state: PodSandboxState, createdAt: Date, ip: String,
        additionalIPs: [String] = [], hostNetwork: Bool, labels: [String: String], annotations: [String: String],
        networkNamespacePath: String = ""
    ) {
        self.id = id; self.metadata = metadata; self.state = state; self.createdAt = createdAt; self.ip = ip
        self.additionalIPs = additionalIPs; self.hostNetwork = hostNetwork; self.labels = labels
        self.annotations = annotations; self.networkNamespacePath = networkNamespacePath
    }
}

/// Selects sandboxes in `listPodSandboxes` (CRI `PodSandboxFilter`); nil fields match everything.
public struct PodSandboxFilter: Sendable, Equatable {
    public var id: String?
    public var state: PodSandboxState?
    public var labelSelector: [String: String]
    public init(id: String? = nil, state: PodSandboxState? = nil, labelSelector: [String: String] = [:]) {
        self.id = id; self.state = state; self.labelSelector = labelSelector
    }
    package func matches(_ status: PodSandboxStatus) -> Bool {
        if let id, !status.id.hasPrefix(id) { return false }
        if let state, status.state != state { return false }
        return labelSelector.allSatisfy { status.labels[$0.key] == $0.value }
    }
}
