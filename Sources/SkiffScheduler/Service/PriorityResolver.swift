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

    /// The pod with `spec.priority` (and `preemptionPolicy`) taken from its PriorityClass. Skiff's
    /// API server defaults `priority` to 0 without looking at `priorityClassName`, so the class
    /// wins whenever it is known; a pod without a class gets the global default class, if any.
    package func resolve(_ pod: CoreV1.Pod) -> CoreV1.Pod {
        guard pod.spec != nil else { return pod }
        var pod = pod
        let name = pod.spec?.priorityClassName ?? ""
        let cls: Class?
        if !name.isEmpty {
            cls = classes[name]
        } else if (pod.spec?.priority ?? 0) == 0 {
            cls = classes.values.filter(\.globalDefault).max { $0.value < $1.value }
        } else {
            return pod
        }
        guard let cls else {
            if pod.spec?.priority == nil { pod.spec?.priority = 0 }
            return pod
        }
        pod.spec?.priority = cls.value
        if let policy = cls.preemptionPolicy { pod.spec?.preemptionPolicy = policy }
        return pod
    }
}
