import Foundation
import SkiffAPI
@testable import SkiffHollow

/// Small builders for pods as the API server hands them to a node (bound, Pending).
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let node = HollowNodeContext(name: "hollow-0", hostIP: "172.16.0.1")

    static func pod(name: String = "web", uid: String = "uid-1", containers: [String] = ["app"],
                    initContainers: [CoreV1.Container] = [], restartPolicy: String? = nil,
                    annotations: [String: String]? = nil, requests: [String: Quantity]? = nil,
                    readinessGates: [String] = []) -> CoreV1.Pod {
        let spec = CoreV1.PodSpec(
            containers: containers.map {
                CoreV1.Container(image: "nginx", name: $0, resources: requests.map { CoreV1.ResourceRequirements(requests: $0) })
            },
            initContainers: initContainers.isEmpty ? nil : initContainers, nodeName: node.name,
            readinessGates: readinessGates.isEmpty ? nil : readinessGates.map { CoreV1.PodReadinessGate(conditionType: $0) },
            restartPolicy: restartPolicy)
        let scheduled = CoreV1.PodCondition(lastTransitionTime: KubeTime.format(t0.addingTimeInterval(-1)), status: "True", type: "PodScheduled")
        return CoreV1.Pod(
            apiVersion: "v1", kind: "Pod",
            metadata: MetaV1.ObjectMeta(annotations: annotations, generation: 1, name: name, namespace: "default", uid: uid),
            spec: spec, status: CoreV1.PodStatus(conditions: [scheduled], phase: "Pending", qosClass: "BestEffort"))
    }

    static func exiting(after: String, code: Int32, restartPolicy: String) -> CoreV1.Pod {
        pod(restartPolicy: restartPolicy, annotations: [
            HollowBehavior.exitAfterAnnotation: after, HollowBehavior.exitCodeAnnotation: String(code),
        ])
    }

    /// The pod as the API server holds it after a status write.
    static func applying(_ actions: [HollowPodAction], to pod: CoreV1.Pod) -> CoreV1.Pod {
        var pod = pod
        for case .updateStatus(let status) in actions { pod.status = status }
        return pod
    }

    static func deleting(_ pod: CoreV1.Pod, at time: Date, grace: Int64) -> CoreV1.Pod {
        var pod = pod
        pod.metadata?.deletionTimestamp = KubeTime.format(time.addingTimeInterval(Double(grace)))
        pod.metadata?.deletionGracePeriodSeconds = grace
        return pod
    }
}

extension Array where Element == HollowPodAction {
    var status: CoreV1.PodStatus? {
        for case .updateStatus(let status) in self { return status }
        return nil
    }

    var deletes: Bool { contains(.delete) }

    var requeue: Date? {
        for case .requeue(let at) in self { return at }
        return nil
    }
}

extension CoreV1.PodStatus {
    func condition(_ type: String) -> CoreV1.PodCondition? { conditions?.first { $0.type == type } }
    func container(_ name: String) -> CoreV1.ContainerStatus? { containerStatuses?.first { $0.name == name } }
}
