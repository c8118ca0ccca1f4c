import Foundation
import SkiffAPI

/// The shape of every node a hollow-node process carries (flags of `skiff hollow-nodes`).
package struct HollowNodeConfig: Sendable {
    package var count: Int
    package var namePrefix: String
    package var cpu: Quantity
    package var memory: Quantity
    package var pods: Int
    package var ephemeralStorage: Quantity
    package var labels: [String: String]
    package var taints: [CoreV1.Taint]
    /// Nodes are spread round-robin over `zone-0 … zone-(zones-1)` (`topology.kubernetes.io/zone`).
    package var zones: Int
    package var region: String
    package var instanceType: String?
    package var architecture: String
    /// Cluster pod network the node subnets are cut from (there is no node-IPAM controller yet,
    /// so the hollow process allocates `spec.podCIDR` itself; see docs/hollow-nodes.md).
    package var podCIDR: IPv4CIDR
    /// Node subnet size; raised automatically when `count` subnets of it do not fit.
    package var nodeCIDRMaskSize: Int
    /// InternalIP of the node whose subnet has index i is the (i+1)-th address of this range.
    package var nodeIPRange: IPv4CIDR
    package var kubeletVersion: String
    package var leaseDurationSeconds: Int32

    package init(count: Int, namePrefix: String = "hollow-", cpu: Quantity = Quantity(32),
                 memory: Quantity = Quantity(256 * 1024 * 1024 * 1024, format: .binarySI), pods: Int = 110,
                 ephemeralStorage: Quantity = Quantity(1024 * 1024 * 1024 * 1024, format: .binarySI),
                 labels: [String: String] = [:], taints: [CoreV1.Taint] = [], zones: Int = 1,
                 region: String = "hollow", instanceType: String? = "hollow",
                 architecture: String = HollowNodeConfig.hostArchitecture,
                 podCIDR: IPv4CIDR = IPv4CIDR(network: 0x0A2A_0000, prefixLength: 16), nodeCIDRMaskSize: Int = 24,
                 nodeIPRange: IPv4CIDR = IPv4CIDR(network: 0xAC10_0000, prefixLength: 12),
                 kubeletVersion: String = "v1.37.0-skiff-hollow", leaseDurationSeconds: Int32 = 40) {
        self.count = count
        self.namePrefix = namePrefix
        self.cpu = cpu
        self.memory = memory
        self.pods = pods
        self.ephemeralStorage = ephemeralStorage
        self.labels = labels
        self.taints = taints
        self.zones = zones
        self.region = region
        self.instanceType = instanceType
        self.architecture = architecture
        self.podCIDR = podCIDR
        self.nodeCIDRMaskSize = nodeCIDRMaskSize
        self.nodeIPRange = nodeIPRange
        self.kubeletVersion = kubeletVersion
        self.leaseDurationSeconds = leaseDurationSeconds
    }

    package static var hostArchitecture: String {
        #if arch(arm64)
        "arm64"
        #else
        "amd64"
        #endif
    }

    package func nodeName(_ index: Int) -> String { namePrefix + String(index) }

    package func zone(_ index: Int) -> String { "zone-" + String(index % max(zones, 1)) }

    /// Parses `--taints k=v:Effect,k:Effect` (value optional, effect NoSchedule, PreferNoSchedule
    /// or NoExecute, as `kubectl taint`).
    package static func parseTaints(_ text: String) throws(HollowConfigError) -> [CoreV1.Taint] {
        try text.split(separator: ",").map { item throws(HollowConfigError) in
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(String(parts[1])) else {
                throw HollowConfigError("taint \"\(item)\": want key[=value]:NoSchedule|PreferNoSchedule|NoExecute")
            }
            let keyValue = parts[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = keyValue.first, !key.isEmpty else { throw HollowConfigError("taint \"\(item)\": empty key") }
            return CoreV1.Taint(effect: String(parts[1]), key: String(key), value: keyValue.count > 1 ? String(keyValue[1]) : nil)
        }
    }

    /// Parses `--labels k=v,k2=v2`.
    package static func parseLabels(_ text: String) throws(HollowConfigError) -> [String: String] {
        var labels: [String: String] = [:]
        for item in text.split(separator: ",") {
            let keyValue = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard keyValue.count == 2, !keyValue[0].isEmpty else { throw HollowConfigError("label \"\(item)\": want key=value") }
            labels[String(keyValue[0])] = String(keyValue[1])
        }
        return labels
    }
}

/// A flag or configuration the hollow node cannot use; the message names it.
package struct HollowConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
