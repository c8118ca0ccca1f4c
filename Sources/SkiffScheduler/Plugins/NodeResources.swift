import Foundation
import SkiffAPI

/// NodeResourcesFit (filter + LeastAllocated/MostAllocated score), NodeResourcesBalancedAllocation
/// and ImageLocality.
package enum NodeResources {
    // MARK: Fit filter

    package static func fit(_ state: CycleState, _ node: NodeInfo) -> Status {
        var reasons: [String] = []
        var unresolvable = false
        if node.pods.count + 1 > node.allocatable.allowedPodNumber {
            reasons.append(Reasons.tooManyPods)
        }
        let req = state.fitRequest
        let alloc = node.allocatable
        let used = node.requested
        if req.milliCPU > 0 && req.milliCPU > alloc.milliCPU &- used.milliCPU {
            reasons.append(Reasons.insufficient(ResourceName.cpu))
            unresolvable = unresolvable || req.milliCPU > alloc.milliCPU
        }
        if req.memory > 0 && req.memory > alloc.memory &- used.memory {
            reasons.append(Reasons.insufficient(ResourceName.memory))
            unresolvable = unresolvable || req.memory > alloc.memory
        }
        if req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage &- used.ephemeralStorage {
            reasons.append(Reasons.insufficient(ResourceName.ephemeralStorage))
            unresolvable = unresolvable || req.ephemeralStorage > alloc.ephemeralStorage
        }
        for s in req.scalar where s.amount != 0 {
            let have = alloc.scalar(s.name)
            if s.amount > have &- used.scalar(s.name) {
                reasons.append(Reasons.insufficient(s.name))
                unresolvable = unresolvable || s.amount > have
            }
        }
        if reasons.isEmpty { return .success }
        return Status(unresolvable ? .unschedulableAndUnresolvable : .unschedulable, reasons, plugin: .nodeResourcesFit)
    }

    // MARK: scores

    /// The pod's request per scored resource; `nonZero` applies the per-container defaults (LeastAllocated).
    package static func podRequestVector(_ pod: PodInfo, _ resources: [Profile.ResourceWeight], nonZero: Bool) -> [Int64] {
        resources.map { r in
            switch r.name {
            case ResourceName.cpu: nonZero ? pod.requests.nonZeroMilliCPU : pod.requests.request.milliCPU
            case ResourceName.memory: nonZero ? pod.requests.nonZeroMemory : pod.requests.request.memory
            case ResourceName.ephemeralStorage: pod.requests.request.ephemeralStorage
            default: pod.requests.request.scalar(r.name)
            }
        }
    }

    /// Allocatable and (node + pod) requested amount of one resource; (0, 0) bypasses the resource.
    @inline(__always)
    static func allocatableAndRequested(_ node: NodeInfo, _ name: String, _ podRequest: Int64, useRequested: Bool) -> (Int64, Int64) {
        switch name {
        case ResourceName.cpu:
            return (node.allocatable.milliCPU, (useRequested ? node.requested.milliCPU : node.nonZeroMilliCPU) &+ podRequest)
        case ResourceName.memory:
            return (node.allocatable.memory, (useRequested ? node.requested.memory : node.nonZeroMemory) &+ podRequest)
        case ResourceName.ephemeralStorage:
            return (node.allocatable.ephemeralStorage, node.requested.ephemeralStorage &+ podRequest)
        default:
            // An extended resource the pod does not request is not scored.
            if podRequest == 0 && ResourceName.isScalar(name) { return (0, 0) }
            return (node.allocatable.scalar(name), node.requested.scalar(name) &+ podRequest)
        }
    }

    /// NodeResourcesFit score with the profile's strategy (LeastAllocated by default).
    package static func fitScore(_ state: CycleState, _ node: NodeInfo, profile: Profile) -> Int64 {
        var nodeScore: Int64 = 0
        var weightSum: Int64 = 0
        for (i, r) in profile.fitResources.enumerated() {
            let (alloc, req) = allocatableAndRequested(node, r.name, state.fitScoreRequest[i], useRequested: false)
            if alloc == 0 { continue }
            let s: Int64
            switch profile.scoringStrategy {
            case .leastAllocated:
                s = req > alloc ? 0 : (alloc - req) * ScoreNormalization.maxNodeScore / alloc
            case .mostAllocated:
                s = min(req, alloc) * ScoreNormalization.maxNodeScore / alloc
            }
            nodeScore += s * r.weight
            weightSum += r.weight
        }
        return weightSum == 0 ? 0 : nodeScore / weightSum
    }

    /// BalancedAllocation: 100 × (1 − standard deviation of the requested fractions).
    package static func balancedScore(_ state: CycleState, _ node: NodeInfo, profile: Profile) -> Int64 {
        var fractions: (Double, Double) = (0, 0)
        var count = 0
        var total = 0.0
        var many: [Double] = []
        for (i, r) in profile.balancedResources.enumerated() {
            let (alloc, req) = allocatableAndRequested(node, r.name, state.balancedScoreRequest[i], useRequested: true)
            if alloc == 0 { continue }
            let f = min(1.0, Double(req) / Double(alloc))
            total += f
            switch count {
            case 0: fractions.0 = f
            case 1: fractions.1 = f
            default:
                if many.isEmpty { many = [fractions.0, fractions.1] }
                many.append(f)
            }
            count += 1
        }
        var std = 0.0
        if count == 2 {
            std = abs((fractions.0 - fractions.1) / 2)
        } else if count > 2 {
            let mean = total / Double(count)
            var sum = 0.0
            for f in many { sum += (f - mean) * (f - mean) }
            std = (sum / Double(count)).squareRoot()
        }
        return Int64((1 - std) * Double(ScoreNormalization.maxNodeScore))
    }

    // MARK: ImageLocality

    static let mb: Int64 = 1024 * 1024
    static let minThreshold: Int64 = 23 * mb
    static let maxContainerThreshold: Int64 = 1000 * mb

    /// Favours nodes that already have the pod's images, scaled by how widely each image is spread.
    package static func imageLocalityScore(_ state: CycleState, _ node: NodeInfo, snapshot: Snapshot) -> Int64 {
        let pod = state.pod
        if pod.images.isEmpty || node.imageSizes.isEmpty { return 0 }
        let total = max(1, snapshot.count)
        var sum: Int64 = 0
        for image in pod.images {
            guard let size = node.imageSizes[image] else { continue }
            let spread = Double(snapshot.imageNodeCounts[image] ?? 1) / Double(total)
            sum += Int64(Double(size) * spread)
        }
        let maxThreshold = maxContainerThreshold * Int64(pod.containerCount)
        let clamped = min(max(sum, minThreshold), maxThreshold)
        if maxThreshold <= minThreshold { return 0 }
        return ScoreNormalization.maxNodeScore * (clamped - minThreshold) / (maxThreshold - minThreshold)
    }
}
