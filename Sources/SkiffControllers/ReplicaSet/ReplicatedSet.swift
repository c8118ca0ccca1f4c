import SkiffAPI

/// A kind the ReplicaSet controller runs. Upstream's replication manager is the ReplicaSet
/// controller behind conversion wrappers (`pkg/controller/replication/conversion.go`); here
/// the ReplicationController is seen as an apps/v1 ReplicaSet for the decisions and its
/// status is written back in its own shape.
protocol ReplicatedSet: APIObject {
    /// The name in `--controllers` and in the controller's logs.
    static var controllerName: String { get }
    /// The event source, as upstream's recorders name it.
    static var eventComponent: String { get }
    /// This object as a ReplicaSet; `kind`/`apiVersion` stay this kind's so owner
    /// references name it.
    var asReplicaSet: AppsV1.ReplicaSet { get }
    mutating func setStatus(_ status: AppsV1.ReplicaSetStatus)
}

extension AppsV1.ReplicaSet: ReplicatedSet {
    static var controllerName: String { "replicaset" }
    static var eventComponent: String { "replicaset-controller" }

    var asReplicaSet: AppsV1.ReplicaSet {
        var rs = self
        rs.setTypeMeta()
        return rs
    }

    mutating func setStatus(_ status: AppsV1.ReplicaSetStatus) { self.status = status }
}

extension CoreV1.ReplicationController: ReplicatedSet {
    static var controllerName: String { "replicationcontroller" }
    static var eventComponent: String { "replication-controller" }

    var asReplicaSet: AppsV1.ReplicaSet {
        // An empty selector means the template's labels (the API server defaults it so too).
        let labels = spec?.selector.flatMap { $0.isEmpty ? nil : $0 } ?? spec?.template?.metadata?.labels
        let s = status
        let conditions = s?.conditions?.map {
            AppsV1.ReplicaSetCondition(lastTransitionTime: $0.lastTransitionTime, message: $0.message, reason: $0.reason,
                                       status: $0.status, type: $0.type)
        }
        return AppsV1.ReplicaSet(
            apiVersion: "v1", kind: "ReplicationController", metadata: metadata,
            spec: AppsV1.ReplicaSetSpec(minReadySeconds: spec?.minReadySeconds, replicas: spec?.replicas,
                                        selector: labels.map { MetaV1.LabelSelector(matchLabels: $0) }, template: spec?.template),
            status: s.map {
                AppsV1.ReplicaSetStatus(availableReplicas: $0.availableReplicas, conditions: conditions,
                                        fullyLabeledReplicas: $0.fullyLabeledReplicas, observedGeneration: $0.observedGeneration,
                                        readyReplicas: $0.readyReplicas, replicas: $0.replicas)
            })
    }

    mutating func setStatus(_ s: AppsV1.ReplicaSetStatus) {
        status = CoreV1.ReplicationControllerStatus(
            availableReplicas: s.availableReplicas,
            conditions: s.conditions?.map {
                CoreV1.ReplicationControllerCondition(lastTransitionTime: $0.lastTransitionTime, message: $0.message,
                                                      reason: $0.reason, status: $0.status, type: $0.type)
            },
            fullyLabeledReplicas: s.fullyLabeledReplicas, observedGeneration: s.observedGeneration,
            readyReplicas: s.readyReplicas, replicas: s.replicas)
    }
}
