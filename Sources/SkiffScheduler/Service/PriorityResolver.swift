import SkiffAPI

/// Resolves `priorityClassName` to `priority` and `preemptionPolicy` like the Priority admission
/// plugin, for pods the API server admitted without it: the named class, else the global
/// default class, else 0; `system-cluster-critical` and `system-node-critical` are built in.
package struct PriorityResolver: Sendable {
    package struct Class: Sendable, Equatable {
        package var value: Int32
        package var preemptionPolicy: String?
        package var globalDefault: Bool
    }

    private var classes: [String: Class] = [
        "system-node-critical": Class(value: 2_000_001_000, preemptionPolicy: nil, globalDefault: false),
        "system-cluster-critical": Class(value: 2_000_000_000, preemptionPolicy: nil, globalDefault: false),
    ]

    package init() {}

    package mutating func apply(_ pc: SchedulingV1.PriorityClass, deleted: Bool) {
        guard let name = pc.metadata?.name else { return }
        if deleted {
            if !name.hasPrefix("system-") { classes.removeValue(forKey: name) }
            return
        }
        classes[name] = Class(value: pc.value ?? 0, preemptionPolicy: pc.preemptionPolicy, globalDefault: pc.globalDefault ?? false)
    }

    /// The pod with `spec.priority` (and `preemptionPolicy`) filled in when the API server left them unset.
    package func resolve(_ pod: CoreV1.Pod) -> CoreV1.Pod {
        guard pod.spec != nil, pod.spec?.priority == nil else { return pod }
        var pod = pod
        let cls: Class?
        if let name = pod.spec?.priorityClassName, !name.isEmpty {
            cls = classes[name]
        } else {
            cls = classes.values.filter(\.globalDefault).max { $0.value < $1.value }
        }
        pod.spec?.priority = cls?.value ?? 0
        if pod.spec?.preemptionPolicy == nil { pod.spec?.preemptionPolicy = cls?.preemptionPolicy ?? "PreemptLowerPriority" }
        return pod
    }
}
