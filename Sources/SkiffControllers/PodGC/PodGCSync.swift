import Foundation
import SkiffAPI

/// What one pass of the pod garbage collector removes (upstream `podgc.gc`), decided from
/// the pod and node caches.
struct PodGCPlan: Equatable, Sendable {
    /// Terminated pods beyond the threshold, oldest first: force-deleted.
    var terminated: [String] = []
    /// Pods bound to nodes gone for the quarantine period: marked Failed, then force-deleted
    /// (after a live check that the node is really gone).
    var orphaned: [String] = []
    /// Nodes to confirm absent with a GET before their pods go.
    var missingNodes: Set<String> = []
    /// Terminating pods never scheduled: marked Failed, then force-deleted.
    var unscheduledTerminating: [String] = []
    /// Terminating pods on a NotReady node with the out-of-service taint: force-deleted.
    var outOfService: [String] = []
}

enum PodGCSync {
    static let outOfServiceTaint = "node.kubernetes.io/out-of-service"

    /// `missingSince`: when each absent node was first seen missing (quarantine, 40 s upstream).
    static func plan(pods: [CoreV1.Pod], nodes: [CoreV1.Node], threshold: Int, missingSince: [String: Date],
                     quarantine: TimeInterval = 40, now: Date) -> PodGCPlan {
        var plan = PodGCPlan()
        func key(_ p: CoreV1.Pod) -> String { "\(p.namespace)/\(p.name)" }

        if threshold > 0 {
            let terminated = pods.filter { $0.phase == "Succeeded" || $0.phase == "Failed" }
            if terminated.count > threshold {
                let oldestFirst = terminated.sorted { a, b in
                    let ta = KubeTime.parse(a.metadata?.creationTimestamp) ?? .distantPast
                    let tb = KubeTime.parse(b.metadata?.creationTimestamp) ?? .distantPast
                    return ta == tb ? key(a) < key(b) : ta < tb
                }
                plan.terminated = oldestFirst.prefix(terminated.count - threshold).map(key)
            }
        }

        let nodesByName = Dictionary(nodes.compactMap { n in n.metadata?.name.map { ($0, n) } }, uniquingKeysWith: { a, _ in a })
        for pod in pods {
            let nodeName = pod.spec?.nodeName ?? ""
            if nodeName.isEmpty {
                if pod.isTerminating { plan.unscheduledTerminating.append(key(pod)) }
                continue
            }
            guard let node = nodesByName[nodeName] else {
                if let since = missingSince[nodeName], now.timeIntervalSince(since) >= quarantine {
                    plan.orphaned.append(key(pod))
                    plan.missingNodes.insert(nodeName)
                } else {
                    plan.missingNodes.insert(nodeName)
                }
                continue
            }
            if pod.isTerminating, isNotReady(node),
               node.spec?.taints?.contains(where: { $0.key == outOfServiceTaint && $0.effect == "NoExecute" }) == true {
                plan.outOfService.append(key(pod))
            }
        }
        return plan
    }

    static func isNotReady(_ node: CoreV1.Node) -> Bool {
        node.status?.conditions?.first { $0.type == "Ready" }?.status != "True"
    }
}
