import Foundation
import SkiffAPI
import SkiffRuntime

/// Labels and annotations on runtime objects, as the kubelet writes them (kuberuntime labels),
/// so a restarted agent finds the pods' sandboxes and containers again.
enum RuntimeLabels {
    static let podUID = "io.kubernetes.pod.uid"
    static let podName = "io.kubernetes.pod.name"
    static let podNamespace = "io.kubernetes.pod.namespace"
    static let containerName = "io.kubernetes.container.name"
    /// "init" for init containers (sidecars included), absent for regular containers.
    static let containerType = "skiff.dev/container-type"
    static let terminationMessagePolicy = "io.kubernetes.container.terminationMessagePolicy"
}

/// Why a container is waiting, as the sync decided it (ErrImagePull, CrashLoopBackOff, …).
struct WaitingReason: Sendable, Equatable {
    var reason: String
    var message: String?
}

/// What the kubelet remembers about one pod between syncs; everything else is read again from
/// the API (the informer) and the runtime each time.
struct PodRecord: Sendable {
    var uid: String
    var startTime: Date?
    /// Crash-loop back-off per container name.
    var crashBackoff: [String: Backoff] = [:]
    /// Pull back-off per container name, and when the last pull failed.
    var pullBackoff: [String: Backoff] = [:]
    var pullFailedAt: [String: Date] = [:]
    /// Waiting reasons decided by the last sync, per container name.
    var waiting: [String: WaitingReason] = [:]
    /// The status last written, to skip identical writes.
    var lastWritten: CoreV1.PodStatus?
    /// The termination message read after each container attempt exited, by container id.
    var terminationMessages: [String: String] = [:]
    var deleteIssued = false
    /// `activeDeadlineSeconds` passed: the pod was stopped and is Failed with DeadlineExceeded.
    var deadlineExceeded = false

    init(uid: String) { self.uid = uid }
}

extension ContainerStatus {
    var isInit: Bool { labels[RuntimeLabels.containerType] == "init" }
    var containerName: String { labels[RuntimeLabels.containerName] ?? metadata.name }
}

/// The runtime's containers of one pod, by container name: the latest attempt and the one before.
struct PodContainers: Sendable {
    var latest: [String: ContainerStatus] = [:]
    var previous: [String: ContainerStatus] = [:]
    var all: [ContainerStatus] = []

    init(_ containers: [ContainerStatus]) {
        all = containers
        let byName = Dictionary(grouping: containers, by: \.containerName)
        for (name, list) in byName {
            let sorted = list.sorted { $0.metadata.attempt > $1.metadata.attempt }
            latest[name] = sorted.first
            if sorted.count > 1 { previous[name] = sorted[1] }
        }
    }
}
