import Foundation
import SkiffAPI

extension PodStatusGenerator {
    /// The kubelet-owned conditions in the kubelet's order, then every condition it does not own
    /// (PodScheduled, DisruptionTarget, readiness-gate conditions) as the pod has them.
    /// `lastTransitionTime` carries over while a condition's status is unchanged.
    func conditions(status: CoreV1.PodStatus, existing: [CoreV1.PodCondition]) -> [CoreV1.PodCondition] {
        let previous = record.lastWritten?.conditions ?? []
        let generation = pod.metadata?.generation
        func make(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) -> CoreV1.PodCondition {
            let value = ok ? "True" : "False"
            let before = previous.first { $0.type == type } ?? existing.first { $0.type == type }
            let transition = before?.status == value ? before?.lastTransitionTime : KubeTime.format(now)
            return CoreV1.PodCondition(lastTransitionTime: transition, message: message, observedGeneration: generation,
                                       reason: reason, status: value, type: type)
        }
        let phase = status.phase ?? "Pending"
        let terminal = phase == "Succeeded" || phase == "Failed"
        var result: [CoreV1.PodCondition] = []
        result.append(make("PodReadyToStartContainers", sandbox?.state == .ready && !terminal))

        let incompleteInit = (spec.initContainers ?? []).filter { container in
            let latest = containers.latest[container.name ?? ""]
            if container.restartPolicy == "Always" { return latest == nil }
            return !(latest?.state == .exited && latest?.exitCode == 0)
        }.compactMap(\.name)
        if phase == "Succeeded" {
            result.append(make("Initialized", true, reason: "PodCompleted"))
        } else if incompleteInit.isEmpty {
            result.append(make("Initialized", true))
        } else {
            result.append(make("Initialized", false, reason: "ContainersNotInitialized",
                               message: "containers with incomplete status: \(goList(incompleteInit))"))
        }

        let unready = (spec.containers ?? []).compactMap(\.name).filter { name in
            status.containerStatuses?.first { $0.name == name }?.ready != true
        }
        let containersReady: CoreV1.PodCondition
        if phase == "Succeeded" {
            containersReady = make("ContainersReady", false, reason: "PodCompleted")
        } else if !unready.isEmpty {
            containersReady = make("ContainersReady", false, reason: "ContainersNotReady",
                                   message: "containers with unready status: \(goList(unready))")
        } else {
            containersReady = make("ContainersReady", true)
        }
        var ready: CoreV1.PodCondition
        if containersReady.status != "True" {
            ready = make("Ready", false, reason: containersReady.reason, message: containersReady.message)
        } else {
            var gateMessages: [String] = []
            for gate in spec.readinessGates ?? [] {
                let type = gate.conditionType ?? ""
                guard let condition = existing.first(where: { $0.type == type }) else {
                    gateMessages.append("corresponding condition of pod readiness gate \"\(type)\" does not exist.")
                    continue
                }
                if condition.status != "True" {
                    gateMessages.append("the status of pod readiness gate \"\(type)\" is not \"True\", but \(condition.status ?? "")")
                }
            }
            ready = gateMessages.isEmpty ? make("Ready", true)
                : make("Ready", false, reason: "ReadinessGatesNotReady", message: gateMessages.joined(separator: ", "))
        }
        result.append(ready)
        result.append(containersReady)

        let owned: Set<String> = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]
        if !existing.contains(where: { $0.type == "PodScheduled" }) {
            result.append(make("PodScheduled", true))
        }
        result += existing.filter { !owned.contains($0.type ?? "") }
        return result
    }

    /// Go's `%s` of a []string: `[a b]`.
    private func goList(_ names: [String]) -> String { "[" + names.joined(separator: " ") + "]" }
}
