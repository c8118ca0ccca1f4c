import Foundation
import SkiffAPI

/// Settings of one kubelet. The library never reads flags or the environment: the executable
/// fills this in (`skiff server` for its own host, `skiff agent` for a worker).
public struct KubeletConfig: Sendable {
    /// The Node's name (`system:node:<name>` is the identity the agent acts as).
    public var nodeName: String
    /// The node's InternalIP; empty: the first non-loopback IPv4 address of the host.
    public var nodeIP: String
    /// The pod subnet of this node (`spec.podCIDR`); empty: leave it to the cluster.
    public var podCIDR: String
    /// Where pod directories live: `<root>/pods/<uid>/volumes/…` and the container logs under `<root>/logs`.
    public var rootDirectory: String
    /// `--kube-reserved` plus `--system-reserved` (e.g. `cpu: 100m, memory: 256Mi`), subtracted from capacity.
    public var reserved: [String: Quantity]
    /// The hard eviction threshold for memory (`memory.available<100Mi` upstream), subtracted from allocatable memory.
    public var evictionHardMemory: Quantity
    /// Maximum pods on this node (`--max-pods`, 110 upstream).
    public var maxPods: Int
    /// Lease renewal period (upstream: 10 s) and lease duration (40 s).
    public var leaseRenewInterval: Duration
    public var leaseDurationSeconds: Int32
    /// How often node status is written when nothing changed (nodeStatusReportFrequency, 5 min).
    public var nodeStatusReportInterval: Duration
    /// How often the node status is recomputed to see whether it changed (nodeStatusUpdateFrequency, 10 s).
    public var nodeStatusUpdateInterval: Duration
    /// How often the runtime is relisted to notice container exits (the generic PLEG's 1 s).
    public var relistInterval: Duration
    /// Concurrent pod workers.
    public var podWorkers: Int
    /// Initial and maximum crash-loop back-off (10 s doubling to 5 min upstream).
    public var crashLoopInitialBackoff: Duration
    public var crashLoopMaxBackoff: Duration
    /// Initial and maximum image pull back-off (also 10 s and 5 min upstream).
    public var imagePullInitialBackoff: Duration
    public var imagePullMaxBackoff: Duration
    /// Cluster DNS servers and domain written to pods' resolv.conf for `dnsPolicy: ClusterFirst`.
    public var clusterDNS: [String]
    public var clusterDomain: String
    /// Port of the kubelet API (0: any free port), written to `status.daemonEndpoints`.
    public var kubeletPort: Int32
    /// Address the kubelet API listens on.
    public var kubeletBindAddress: String
    /// TLS of the kubelet API; nil: the API is not served (logs are then unavailable).
    public var tls: KubeletTLS?
    /// The kubelet version reported in `nodeInfo` (e.g. v1.37.0-skiff).
    public var kubeletVersion: String
    /// Labels added to the Node at registration.
    public var nodeLabels: [String: String]

    public init(
        nodeName: String, nodeIP: String = "", podCIDR: String = "", rootDirectory: String = "/var/lib/skiff/kubelet",
        reserved: [String: Quantity] = [:], evictionHardMemory: Quantity = Quantity(100 * 1024 * 1024, format: .binarySI),
        maxPods: Int = 110, leaseRenewInterval: Duration = .seconds(10), leaseDurationSeconds: Int32 = 40,
        nodeStatusReportInterval: Duration = .seconds(300), nodeStatusUpdateInterval: Duration = .seconds(10),
        relistInterval: Duration = .seconds(1), podWorkers: Int = 8,
        crashLoopInitialBackoff: Duration = .seconds(10), crashLoopMaxBackoff: Duration = .seconds(300),
        imagePullInitialBackoff: Duration = .seconds(10), imagePullMaxBackoff: Duration = .seconds(300),
        clusterDNS: [String] = [], clusterDomain: String = "cluster.local", kubeletPort: Int32 = 10250,
        kubeletVersion: String = "v1.37.0-skiff", nodeLabels: [String: String] = [:],
        kubeletBindAddress: String = "0.0.0.0", tls: KubeletTLS? = nil
    ) {
        self.kubeletBindAddress = kubeletBindAddress; self.tls = tls
        self.nodeName = nodeName; self.nodeIP = nodeIP; self.podCIDR = podCIDR; self.rootDirectory = rootDirectory
        self.reserved = reserved; self.evictionHardMemory = evictionHardMemory; self.maxPods = maxPods
        self.leaseRenewInterval = leaseRenewInterval; self.leaseDurationSeconds = leaseDurationSeconds
        self.nodeStatusReportInterval = nodeStatusReportInterval; self.nodeStatusUpdateInterval = nodeStatusUpdateInterval
        self.relistInterval = relistInterval; self.podWorkers = podWorkers
        self.crashLoopInitialBackoff = crashLoopInitialBackoff; self.crashLoopMaxBackoff = crashLoopMaxBackoff
        self.imagePullInitialBackoff = imagePullInitialBackoff; self.imagePullMaxBackoff = imagePullMaxBackoff
        self.clusterDNS = clusterDNS; self.clusterDomain = clusterDomain; self.kubeletPort = kubeletPort
        self.kubeletVersion = kubeletVersion; self.nodeLabels = nodeLabels
    }

    var podsDirectory: String { rootDirectory + "/pods" }
    var logsDirectory: String { rootDirectory + "/logs" }
}
