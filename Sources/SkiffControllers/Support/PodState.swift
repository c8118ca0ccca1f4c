import Foundation
import SkiffAPI
import SkiffClient

/// Pod predicates shared by the workload controllers (upstream `podutil` and
/// `controller.FilterActivePods`).
extension CoreV1.Pod {
    var name: String { metadata?.name ?? "" }
    var namespace: String { metadata?.namespace ?? "" }
    var uid: String { metadata?.uid ?? "" }
    var labels: [String: String] { metadata?.labels ?? [:] }
    var isTerminating: Bool { metadata?.deletionTimestamp != nil }
    var phase: String { status?.phase ?? "" }

    /// Neither finished nor being deleted: the pods a controller counts.
    var isActive: Bool { phase != "Succeeded" && phase != "Failed" && !isTerminating }

    var readyCondition: CoreV1.PodCondition? { status?.conditions?.first { $0.type == "Ready" } }

    var isReady: Bool { readyCondition?.status == "True" }

    /// Ready for at least `minReadySeconds` at `now` (`podutil.IsPodAvailable`).
    func isAvailable(minReadySeconds: Int32, now: Date) -> Bool {
        guard isReady else { return false }
        if minReadySeconds <= 0 { return true }
        guard let since = KubeTime.parse(readyCondition?.lastTransitionTime) else { return false }
        return since.addingTimeInterval(Double(minReadySeconds)) < now
    }

    /// Highest restart count of regular containers, and of restartable init containers.
    var maxRestarts: (regular: Int32, sidecar: Int32) {
        let regular = status?.containerStatuses?.map { $0.restartCount ?? 0 }.max() ?? 0
        let sidecarNames = Set((spec?.initContainers ?? []).filter { $0.restartPolicy == "Always" }.map(\.name))
        let sidecar = status?.initContainerStatuses?.filter { sidecarNames.contains($0.name) }.map { $0.restartCount ?? 0 }.max() ?? 0
        return (regular, sidecar)
    }

    /// The owner reference with `controller: true`, if any.
    var controllerRef: MetaV1.OwnerReference? { metadata?.ownerReferences?.first { $0.controller == true } }
}

extension APIObject {
    var controllerReference: MetaV1.OwnerReference? { metadata?.ownerReferences?.first { $0.controller == true } }
}

/// RFC 3339 timestamps as the API server writes them (seconds, or fractional for MicroTime).
enum KubeTime {
    static func parse(_ s: String?) -> Date? {
        guard let s, !s.isEmpty else { return nil }
        if let d = try? Date(s, strategy: .iso8601) { return d }
        return try? Date(s, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func format(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(.iso8601)
    }
}

/// The message of an API error as upstream controllers put it into events and conditions.
enum ErrorMessage {
    static func of(_ error: any Error) -> String {
        (error as? ClientError)?.message ?? "\(error)"
    }
}
