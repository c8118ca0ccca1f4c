import Foundation
import SkiffAPI
import SkiffClient

/// `SchedulerEffects` over SkiffClient: binding through `pods/binding`, the PodScheduled
/// condition and `nominatedNodeName` through a strategic-merge patch of `pods/status`, events
/// through the shared `EventRecorder`, preemption victims marked with DisruptionTarget and deleted.
package struct ClientEffects: SchedulerEffects {
    let client: Client
    let recorder: EventRecorder
    let schedulerName: String

    package init(client: Client, recorder: EventRecorder, schedulerName: String = Profile.defaultSchedulerName) {
        self.client = client
        self.recorder = recorder
        self.schedulerName = schedulerName
    }

    package func bind(_ pod: PodInfo, to node: String) async throws {
        let binding = CoreV1.Binding(apiVersion: "v1", kind: "Binding",
                                     metadata: MetaV1.ObjectMeta(name: pod.name, namespace: pod.namespace, uid: pod.uid),
                                     target: CoreV1.ObjectReference(apiVersion: "v1", kind: "Node", name: node))
        _ = try await client.create(binding, subresource: "binding", of: CoreV1.Pod.self, name: pod.name, namespace: pod.namespace)
    }

    package func updatePodStatus(_ pod: PodInfo, reason: String, message: String, nominatedNodeName: String?) async throws {
        let current = pod.pod.status
        let existing = current?.conditions?.first { $0.type == "PodScheduled" }
        let sameCondition = existing?.status == "False" && existing?.reason == reason && existing?.message == message
        let sameNomination = nominatedNodeName == nil || (current?.nominatedNodeName ?? "") == nominatedNodeName
        // Upstream skips the write when nothing would change (the informer's copy may lag; a
        // repeated identical patch is harmless).
        if sameCondition && sameNomination { return }
        var status: [String: JSONValue] = [
            "conditions": .array([.object([
                "type": .string("PodScheduled"), "status": .string("False"), "reason": .string(reason), "message": .string(message),
                "lastProbeTime": .null,
                "lastTransitionTime": sameCondition ? (existing?.lastTransitionTime.map { JSONValue.string($0) } ?? JSONValue.null) : JSONValue.string(KubeTime.format(Date())),
            ])]),
        ]
        if let nominatedNodeName {
            status["nominatedNodeName"] = nominatedNodeName.isEmpty ? .null : .string(nominatedNodeName)
        }
        let patch = JSONValue.object(["status": .object(status)])
        _ = try await client.patch(CoreV1.Pod.self, pod.name, namespace: pod.namespace, Patch(.strategicMerge, patch), subresource: "status")
    }

    package func recordEvent(_ pod: PodInfo, type: String, reason: String, action: String, message: String) async {
        recorder.event(pod.pod, type: type == "Warning" ? .warning : .normal, reason: reason, message: message)
    }

    package func evict(_ victim: PodInfo, preemptor: PodInfo, node: String) async throws {
        let condition = JSONValue.object(["status": .object(["conditions": .array([.object([
            "type": .string("DisruptionTarget"), "status": .string("True"), "reason": .string("PreemptionByScheduler"),
            "message": .string("\(schedulerName): preempting to accommodate a higher priority pod"),
            "lastTransitionTime": .string(KubeTime.format(Date())),
        ])])])])
        _ = try? await client.patch(CoreV1.Pod.self, victim.name, namespace: victim.namespace, Patch(.strategicMerge, condition), subresource: "status")
        do {
            try await client.delete(CoreV1.Pod.self, victim.name, namespace: victim.namespace, options: DeleteOptions(preconditionUID: victim.uid))
        } catch let error as ClientError where error.isNotFound {
            return
        }
        recorder.event(victim.pod, type: .normal, reason: "Preempted", message: "Preempted by pod \(preemptor.uid) on node \(node)")
    }
}
