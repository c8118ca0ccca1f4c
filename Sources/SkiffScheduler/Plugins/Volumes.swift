import Foundation
import SkiffAPI

/// What VolumeBinding's PreFilter learned about the pod's claims.
package struct VolumeState: Sendable {
    /// PVs the pod's bound claims point at (nil entry: the PV does not exist).
    package var boundVolumes: [CoreV1.PersistentVolume?] = []
    /// Unbound WaitForFirstConsumer claims ("namespace/name"), provisioned or bound after the node is chosen.
    package var delayedClaims: [String] = []
}

/// VolumeBinding and VolumeZone, as far as they can be decided from PVC, PV and StorageClass
/// objects: missing or terminating claims, unbound Immediate claims, bound PVs' node affinity and
/// zone labels. Not modelled: matching unbound WaitForFirstConsumer claims against available PVs
/// or provisioner capacity (such claims are assumed provisionable on any node), VolumeRestrictions
/// (ReadWriteOncePod) and NodeVolumeLimits (CSI attach limits).
package enum Volumes {
    static let zoneLabels = [
        "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
    ]

    /// PreFilter: `.success` with nil state means Skip (no claims).
    package static func preFilter(_ pod: PodInfo, snapshot: Snapshot) -> (Status, VolumeState?) {
        if pod.claimNames.isEmpty { return (.success, nil) }
        var s = VolumeState()
        var unboundImmediate = false
        for name in pod.claimNames {
            guard let claim = snapshot.volumes.claims[pod.namespace + "/" + name] else {
                return (Status(.unschedulableAndUnresolvable, ["persistentvolumeclaim \"\(name)\" not found"], plugin: .volumeBinding), nil)
            }
            if claim.metadata?.deletionTimestamp != nil {
                return (Status(.unschedulableAndUnresolvable, ["persistentvolumeclaim \"\(name)\" is being deleted"], plugin: .volumeBinding), nil)
            }
            if let pv = claim.spec?.volumeName, !pv.isEmpty {
                s.boundVolumes.append(snapshot.volumes.volumes[pv])
                continue
            }
            let className = claim.spec?.storageClassName ?? ""
            let mode = snapshot.volumes.storageClasses[className]?.volumeBindingMode ?? "Immediate"
            if mode == "WaitForFirstConsumer" {
                s.delayedClaims.append(pod.namespace + "/" + name)
            } else {
                unboundImmediate = true
            }
        }
        if unboundImmediate {
            return (Status(.unschedulableAndUnresolvable, [Reasons.unboundImmediate], plugin: .volumeBinding), nil)
        }
        return (.success, s)
    }

    package static func bindingFilter(_ state: CycleState, _ node: NodeInfo) -> Status {
        guard let s = state.volumes else { return .success }
        for pv in s.boundVolumes {
            guard let pv else {
                return Status(.unschedulableAndUnresolvable, [Reasons.pvNotExist], plugin: .volumeBinding)
            }
            if let required = pv.spec?.nodeAffinity?.required,
               !CompiledNodeSelector(required).matches(name: node.name, labels: node.labels) {
                return Status(.unschedulableAndUnresolvable, [Reasons.volumeNodeAffinity], plugin: .volumeBinding)
            }
        }
        return .success
    }

    /// VolumeZone: a bound PV's zone/region labels must include the node's.
    package static func zoneFilter(_ state: CycleState, _ node: NodeInfo) -> Status {
        guard let s = state.volumes else { return .success }
        for case let pv? in s.boundVolumes {
            for key in zoneLabels {
                guard let wanted = pv.metadata?.labels?[key], !wanted.isEmpty else { continue }
                let allowed = wanted.components(separatedBy: "__")
                guard let have = node.labels[key], allowed.contains(have) else {
                    return Status(.unschedulableAndUnresolvable, [Reasons.volumeZone], plugin: .volumeZone)
                }
            }
        }
        return .success
    }
}
