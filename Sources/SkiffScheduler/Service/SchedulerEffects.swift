import SkiffAPI

/// What the scheduler asks the outside world to do. The decision core never performs I/O itself;
/// the SkiffClient-backed implementation writes to the API server, tests record the calls.
package protocol SchedulerEffects: Sendable {
    /// `POST /api/v1/namespaces/{ns}/pods/{name}/binding`.
    func bind(_ pod: PodInfo, to node: String) async throws

    /// Patches `pods/status`: the PodScheduled condition (status False, `reason`, `message`) and,
    /// when `nominatedNodeName` is non-nil, `status.nominatedNodeName` ("" clears it).
    func updatePodStatus(_ pod: PodInfo, reason: String, message: String, nominatedNodeName: String?) async throws

    /// Records a core/v1 Event on the pod (`Scheduled`, `FailedScheduling`, `Preempted`).
    func recordEvent(_ pod: PodInfo, type: String, reason: String, action: String, message: String) async

    /// Evicts a preemption victim: marks it with the DisruptionTarget condition and deletes it gracefully.
    func evict(_ victim: PodInfo, preemptor: PodInfo, node: String) async throws
}

/// A change to apply to the scheduler's view, as informers report it.
package enum SchedulerInput: Sendable {
    case podAdded(CoreV1.Pod)
    case podUpdated(old: CoreV1.Pod, new: CoreV1.Pod)
    case podDeleted(CoreV1.Pod)
    case nodeAdded(CoreV1.Node)
    case nodeUpdated(old: CoreV1.Node, new: CoreV1.Node)
    case nodeDeleted(CoreV1.Node)
    case namespace(CoreV1.Namespace, deleted: Bool)
    case priorityClass(SchedulingV1.PriorityClass, deleted: Bool)
    case podDisruptionBudget(PolicyV1.PodDisruptionBudget, deleted: Bool)
    case persistentVolumeClaim(CoreV1.PersistentVolumeClaim, deleted: Bool)
    case persistentVolume(CoreV1.PersistentVolume, deleted: Bool)
    case storageClass(StorageV1.StorageClass, deleted: Bool)
}
