import Foundation
import SkiffAPI

/// What the runner must do for a pod after a sync.
package enum HollowPodAction: Sendable, Equatable {
    /// Write this as the pod's status (`pods/status`).
    case updateStatus(CoreV1.PodStatus)
    /// Delete the pod with `gracePeriodSeconds: 0` and a UID precondition: its graceful
    /// termination is over on this node.
    case delete
    /// Sync the pod again at this time (a container exits, a back-off ends, a grace period ends).
    case requeue(at: Date)
}

/// The node a hollow pod runs on, as its status reports it.
package struct HollowNodeContext: Sendable, Equatable {
    package var name: String
    package var hostIP: String

    package init(name: String, hostIP: String) {
        self.name = name
        self.hostIP = hostIP
    }
}

/// The kubelet's view of one pod bound to a hollow node, as a pure state machine: `sync` takes
/// the pod as the API server has it and the current time, plays the hollow containers forward
/// and returns what to write. No I/O and no clock of its own, so tests drive it with fixed dates.
///
/// Lifecycle (pkg/kubelet/kubelet_pods.go generateAPIPodStatus, getPhase; status/generate.go):
/// - first sync with a pod IP: sandbox and containers start, init containers complete at once,
///   phase Running, PodReadyToStartContainers/Initialized/ContainersReady/Ready True;
/// - no pod IP yet (the node's range is exhausted): Pending, containers waiting ContainerCreating;
/// - `exit-after`: containers exit; the restart policy decides between CrashLoopBackOff and a
///   terminal phase (Succeeded when every container exited 0, Failed otherwise);
/// - deletion: at once when nothing runs or the grace period is zero, otherwise when the
///   deletion timestamp (creation of the request + grace) passes, killing what still runs.
package struct HollowPod: Sendable {
    package let uid: String
    private(set) var startTime: Date?
    private(set) var sandboxStartedAt: Date?
    private(set) var containers: [ContainerSimulation] = []
    private(set) var initContainersFinishedAt: Date?
    private(set) var terminalByDeletion = false
    /// The status last handed to the runner; compared against to avoid redundant writes while
    /// the informer has not yet delivered our own write.
    private(set) var lastWritten: CoreV1.PodStatus?
    private(set) var deleteIssued = false

    package init(uid: String) {
        self.uid = uid
    }

    /// The runner could not write the status: forget it so the next sync writes again.
    package mutating func statusWriteFailed() { lastWritten = nil }

    /// The runner could not delete the pod: the next sync asks again.
    package mutating func deleteFailed() { deleteIssued = false }

    /// Plays the pod forward to `now` and says what to write. `podIP` is the address the node
    /// allocated (the host's for hostNetwork pods); nil while none is free.
    package mutating func sync(pod: CoreV1.Pod, node: HollowNodeContext, podIP: String?, now: Date) -> [HollowPodAction] {
        let spec = pod.spec ?? CoreV1.PodSpec()
        let behavior = HollowBehavior(annotations: pod.metadata?.annotations ?? [:])
        let policy = RestartPolicy(rawValue: spec.restartPolicy ?? "Always") ?? .always
        if startTime == nil { startTime = now }
        if sandboxStartedAt == nil, podIP != nil {
            sandboxStartedAt = now
            initContainersFinishedAt = now
            containers = (spec.containers ?? []).map {
                ContainerSimulation(name: $0.name ?? "", image: $0.image ?? "", podUID: uid, startedAt: now)
            }
        }

        var wake: Date?
        for index in containers.indices {
            if let next = containers[index].advance(to: now, behavior: behavior, policy: policy, podUID: uid) {
                wake = min(wake ?? next, next)
            }
        }

        var actions: [HollowPodAction] = []
        var deleteNow = false
        if let deletion = pod.metadata?.deletionTimestamp {
            let deadline = KubeTime.parse(deletion) ?? now
            let grace = pod.metadata?.deletionGracePeriodSeconds ?? 0
            if sandboxStartedAt == nil || isTerminal || grace <= 0 || now >= deadline {
                if sandboxStartedAt != nil, !isTerminal {
                    for index in containers.indices { containers[index].kill(at: min(now, deadline)) }
                    terminalByDeletion = true
                }
                deleteNow = true
            } else {
                wake = min(wake ?? deadline, deadline)
            }
        }

        let status = generateStatus(pod: pod, spec: spec, behavior: behavior, node: node, podIP: podIP, now: now)
        if sandboxStartedAt != nil || !deleteNow, status != lastWritten, status != pod.status {
            lastWritten = status
            actions.append(.updateStatus(status))
        }
        if deleteNow {
            if !deleteIssued {
                deleteIssued = true
                actions.append(.delete)
            }
        } else if let wake {
            actions.append(.requeue(at: wake))
        }
        return actions
    }

    /// Every main container has stopped for good (pod phase Succeeded or Failed).
    var isTerminal: Bool {
        sandboxStartedAt != nil && !containers.isEmpty && containers.allSatisfy(\.isTerminated)
    }
}
