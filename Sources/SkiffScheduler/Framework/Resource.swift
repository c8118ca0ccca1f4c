import SkiffAPI

/// A bundle of compute amounts as the scheduler counts them (upstream `framework.Resource`):
/// cpu in millicores, memory and ephemeral storage in bytes, the allowed pod count, and scalar
/// resources (extended resources such as `example.com/gpu`, `hugepages-*`, attachable volumes).
package struct Resource: Sendable, Equatable {
    package var milliCPU: Int64 = 0
    package var memory: Int64 = 0
    package var ephemeralStorage: Int64 = 0
    package var allowedPodNumber: Int = 0
    /// Scalar resources by name; absent means zero. Small, so a sorted array beats a dictionary.
    package var scalar: [ScalarAmount] = []

    package struct ScalarAmount: Sendable, Equatable {
        package var name: String
        package var amount: Int64
    }

    package init() {}

    package init(_ list: [String: Quantity]?) {
        add(list)
    }

    package var isZero: Bool {
        milliCPU == 0 && memory == 0 && ephemeralStorage == 0 && scalar.allSatisfy { $0.amount == 0 }
    }

    package func scalar(_ name: String) -> Int64 {
        for s in scalar where s.name == name { return s.amount }
        return 0
    }

    package mutating func setScalar(_ name: String, _ amount: Int64) {
        if let i = scalar.firstIndex(where: { $0.name == name }) {
            scalar[i].amount = amount
        } else {
            scalar.append(ScalarAmount(name: name, amount: amount))
        }
    }

    /// Adds a ResourceList the way `Resource.Add` does: cpu as milli-value, the rest as values.
    package mutating func add(_ list: [String: Quantity]?) {
        guard let list else { return }
        for (name, q) in list {
            switch name {
            case ResourceName.cpu: milliCPU &+= q.milliValue
            case ResourceName.memory: memory &+= q.value
            case ResourceName.ephemeralStorage: ephemeralStorage &+= q.value
            case ResourceName.pods: allowedPodNumber &+= Int(clamping: q.value)
            default:
                if ResourceName.isScalar(name) { setScalar(name, scalar(name) &+ q.value) }
            }
        }
    }

    package mutating func add(_ other: Resource) {
        milliCPU &+= other.milliCPU
        memory &+= other.memory
        ephemeralStorage &+= other.ephemeralStorage
        allowedPodNumber &+= other.allowedPodNumber
        for s in other.scalar { setScalar(s.name, scalar(s.name) &+ s.amount) }
    }

    package mutating func subtract(_ other: Resource) {
        milliCPU &-= other.milliCPU
        memory &-= other.memory
        ephemeralStorage &-= other.ephemeralStorage
        allowedPodNumber &-= other.allowedPodNumber
        for s in other.scalar { setScalar(s.name, scalar(s.name) &- s.amount) }
    }

    /// Raises each amount to at least the other's (init containers run one at a time).
    package mutating func setMax(_ other: Resource) {
        milliCPU = max(milliCPU, other.milliCPU)
        memory = max(memory, other.memory)
        ephemeralStorage = max(ephemeralStorage, other.ephemeralStorage)
        for s in other.scalar { setScalar(s.name, max(scalar(s.name), s.amount)) }
    }
}

/// Resource names and the scalar-resource rule of `schedutil.IsScalarResourceName`.
package enum ResourceName {
    package static let cpu = "cpu"
    package static let memory = "memory"
    package static let ephemeralStorage = "ephemeral-storage"
    package static let pods = "pods"

    /// Extended (domain-prefixed), prefixed native (`*kubernetes.io/*`), hugepages and attachable volumes.
    package static func isScalar(_ name: String) -> Bool {
        if name.hasPrefix("requests.") { return false }
        return name.contains("/") || name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-")
    }
}

/// Defaults the scheduler assumes for containers that request no cpu or memory, so that many
/// best-effort pods still spread (upstream `schedutil.DefaultMilliCPURequest` / `DefaultMemoryRequest`).
package enum NonZeroDefaults {
    package static let milliCPU: Int64 = 100
    package static let memory: Int64 = 200 * 1024 * 1024
}

/// What a pod asks of a node, computed once per pod.
package struct PodRequests: Sendable, Equatable {
    /// Requests as NodeResourcesFit checks them (upstream `computePodResourceRequest`): the sum of the
    /// containers and restartable init containers, at least the largest init container phase, plus overhead.
    package var request: Resource
    /// cpu and memory with the non-zero defaults applied per container (plus overhead), as
    /// `NodeInfo.NonZeroRequested` and LeastAllocated count them.
    package var nonZeroMilliCPU: Int64
    package var nonZeroMemory: Int64

    package init(request: Resource = Resource(), nonZeroMilliCPU: Int64 = 0, nonZeroMemory: Int64 = 0) {
        self.request = request
        self.nonZeroMilliCPU = nonZeroMilliCPU
        self.nonZeroMemory = nonZeroMemory
    }

    package init(spec: CoreV1.PodSpec?) {
        guard let spec else {
            self.init()
            return
        }
        let podLevel = spec.resources?.requests
        let podLevelCPU = podLevel?[ResourceName.cpu]
        let podLevelMemory = podLevel?[ResourceName.memory]

        var sum = Resource()
        var nzCPU: Int64 = 0
        var nzMem: Int64 = 0
        for c in spec.containers ?? [] {
            let r = c.resources?.requests
            sum.add(r)
            nzCPU &+= r?[ResourceName.cpu]?.milliValue ?? (podLevelCPU == nil ? NonZeroDefaults.milliCPU : 0)
            nzMem &+= r?[ResourceName.memory]?.value ?? (podLevelMemory == nil ? NonZeroDefaults.memory : 0)
        }
        // Init containers: the i-th one runs beside every restartable (sidecar) init container before it.
        var sidecars = Resource()
        var sidecarsNZCPU: Int64 = 0
        var sidecarsNZMem: Int64 = 0
        var initMax = Resource()
        var initNZCPU: Int64 = 0
        var initNZMem: Int64 = 0
        for c in spec.initContainers ?? [] {
            let r = Resource(c.resources?.requests)
            let cpu = c.resources?.requests?[ResourceName.cpu]?.milliValue ?? (podLevelCPU == nil ? NonZeroDefaults.milliCPU : 0)
            let mem = c.resources?.requests?[ResourceName.memory]?.value ?? (podLevelMemory == nil ? NonZeroDefaults.memory : 0)
            if c.restartPolicy == "Always" {
                sum.add(r)
                nzCPU &+= cpu
                nzMem &+= mem
                sidecars.add(r)
                sidecarsNZCPU &+= cpu
                sidecarsNZMem &+= mem
                initMax.setMax(sidecars)
                initNZCPU = max(initNZCPU, sidecarsNZCPU)
                initNZMem = max(initNZMem, sidecarsNZMem)
            } else {
                var phase = r
                phase.add(sidecars)
                initMax.setMax(phase)
                initNZCPU = max(initNZCPU, cpu &+ sidecarsNZCPU)
                initNZMem = max(initNZMem, mem &+ sidecarsNZMem)
            }
        }
        sum.setMax(initMax)
        nzCPU = max(nzCPU, initNZCPU)
        nzMem = max(nzMem, initNZMem)

        // Pod-level resources (spec.resources) override the container sums for cpu and memory.
        if let podLevelCPU {
            sum.milliCPU = podLevelCPU.milliValue
            nzCPU = podLevelCPU.milliValue
        }
        if let podLevelMemory {
            sum.memory = podLevelMemory.value
            nzMem = podLevelMemory.value
        }
        if let overhead = spec.overhead {
            sum.add(overhead)
            nzCPU &+= overhead[ResourceName.cpu]?.milliValue ?? 0
            nzMem &+= overhead[ResourceName.memory]?.value ?? 0
        }
        self.init(request: sum, nonZeroMilliCPU: nzCPU, nonZeroMemory: nzMem)
    }
}
