import Foundation
import SkiffAPI
@testable import SkiffControllers

/// DaemonSet, node and daemon pod fixtures for the DaemonSet decision tables.
enum DSFx {
    static func daemonSet(_ name: String = "agent", strategy: String = "RollingUpdate", maxUnavailable: IntOrString? = nil,
                          maxSurge: IntOrString? = nil, nodeSelector: [String: String]? = nil, image: String = "agent:1",
                          hostNetwork: Bool? = nil) -> AppsV1.DaemonSet {
        let ru = strategy == "RollingUpdate" ? AppsV1.RollingUpdateDaemonSet(maxSurge: maxSurge, maxUnavailable: maxUnavailable) : nil
        return AppsV1.DaemonSet(
            metadata: MetaV1.ObjectMeta(generation: 1, name: name, namespace: "default", uid: "ds-uid"),
            spec: AppsV1.DaemonSetSpec(selector: MetaV1.LabelSelector(matchLabels: ["app": name]),
                                       template: CoreV1.PodTemplateSpec(
                                           metadata: MetaV1.ObjectMeta(labels: ["app": name]),
                                           spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: image, name: "main")],
                                                                hostNetwork: hostNetwork, nodeSelector: nodeSelector)),
                                       updateStrategy: AppsV1.DaemonSetUpdateStrategy(rollingUpdate: ru, type: strategy)))
    }

    static func node(_ name: String, labels: [String: String] = [:], taints: [CoreV1.Taint] = [], unschedulable: Bool? = nil) -> CoreV1.Node {
        CoreV1.Node(metadata: MetaV1.ObjectMeta(labels: labels, name: name),
                    spec: CoreV1.NodeSpec(taints: taints.isEmpty ? nil : taints, unschedulable: unschedulable))
    }

    static func taint(_ key: String, _ effect: String, value: String? = nil) -> CoreV1.Taint {
        CoreV1.Taint(effect: effect, key: key, value: value)
    }

    /// A daemon pod on `node` with revision `hash`, created `age` seconds before `Fx.t0`.
    static func pod(_ name: String, node: String, hash: String = "new", phase: String = "Running", ready: Bool = true,
                    age: Double = 100, bound: Bool = true, deleting: Bool = false) -> CoreV1.Pod {
        var meta = MetaV1.ObjectMeta(creationTimestamp: Fx.ts(age), labels: ["app": "agent", ControllerHistory.hashLabel: hash],
                                     name: name, namespace: "default", uid: "uid-\(name)")
        meta.ownerReferences = [MetaV1.OwnerReference(apiVersion: "apps/v1", controller: true, kind: "DaemonSet", name: "agent", uid: "ds-uid")]
        if deleting { meta.deletionTimestamp = Fx.ts(1) }
        var spec = CoreV1.PodSpec(containers: [CoreV1.Container(image: "agent:1", name: "main")])
        if bound { spec.nodeName = node } else { spec.affinity = DaemonNodes.pinned(nil, to: node) }
        var status = CoreV1.PodStatus()
        status.phase = phase
        status.conditions = [CoreV1.PodCondition(lastTransitionTime: Fx.ts(age / 2), status: ready && phase == "Running" ? "True" : "False", type: "Ready")]
        return CoreV1.Pod(metadata: meta, spec: spec, status: status)
    }
}
