import Foundation

/// The pod printer (printPod): READY, STATUS and RESTARTS computed as kubectl does.
extension Printers {
    static let podPrinter = Printer(
        columns: [
            nameColumn,
            column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
            column("Status", "The aggregate status of the containers in this pod."),
            column("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            ageColumn,
            column("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", wide: true),
            column("Node", "NodeName indicates in which node this pod is scheduled.", wide: true),
            column("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node.", wide: true),
            column("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", wide: true),
        ],
        cells: podCells
    )

    /// Status of a restartable init container ("sidecar"): `restartPolicy: Always`.
    private static func isRestartable(_ container: JSONObject?) -> Bool {
        container?.stringField("restartPolicy") == "Always"
    }

    static func podCells(_ o: PrintedObject) -> [JSONValue] {
        let spec = o.spec
        let status = o.status
        let containers = spec.arrayField("containers") ?? []
        let initContainers = (spec.arrayField("initContainers") ?? []).compactMap(\.objectValue)
        var totalContainers = containers.count
        var readyContainers = 0
        var restarts = 0
        var restartableInitRestarts = 0
        var lastRestart: Date?
        var lastRestartableInitRestart: Date?
        let phase = status.stringField("phase") ?? ""
        var reason = phase
        if let r = status.stringField("reason"), !r.isEmpty { reason = r }
        let conditions = (status.arrayField("conditions") ?? []).compactMap(\.objectValue)
        if conditions.contains(where: { $0.stringField("type") == "PodScheduled" && $0.stringField("reason") == "SchedulingGated" }) {
            reason = "SchedulingGated"
        }
        var initByName: [String: JSONObject] = [:]
        for container in initContainers {
            initByName[container.stringField("name") ?? ""] = container
            if isRestartable(container) { totalContainers += 1 }
        }
        func later(_ a: Date?, _ b: JSONValue?) -> Date? {
            guard let b = b?.stringValue.flatMap(KubeTime.parse) else { return a }
            guard let a else { return b }
            return max(a, b)
        }

        var initializing = false
        let initStatuses = (status.arrayField("initContainerStatuses") ?? []).compactMap(\.objectValue)
        for (i, container) in initStatuses.enumerated() {
            let count = Int(container.intField("restartCount") ?? 0)
            restarts += count
            let lastTerminated = container.objectField("lastState")?.objectField("terminated")
            lastRestart = later(lastRestart, lastTerminated?["finishedAt"])
            let restartable = isRestartable(initByName[container.stringField("name") ?? ""])
            if restartable {
                restartableInitRestarts += count
                lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminated?["finishedAt"])
            }
            let state = container.objectField("state") ?? [:]
            let terminated = state.objectField("terminated")
            let waiting = state.objectField("waiting")
            if let terminated, terminated.intField("exitCode") ?? 0 == 0 { continue }
            if restartable && container.boolField("started") == true {
                if container.boolField("ready") == true { readyContainers += 1 }
                continue
            }
            if let terminated {
                if let r = terminated.stringField("reason"), !r.isEmpty {
                    reason = "Init:" + r
                } else if let signal = terminated.intField("signal"), signal != 0 {
                    reason = "Init:Signal:\(signal)"
                } else {
                    reason = "Init:ExitCode:\(terminated.intField("exitCode") ?? 0)"
                }
            } else if let r = waiting?.stringField("reason"), !r.isEmpty, r != "PodInitializing" {
                reason = "Init:" + r
            } else {
                reason = "Init:\(i)/\(initContainers.count)"
            }
            initializing = true
            break
        }

        let initializedTrue = conditions.contains { $0.stringField("type") == "Initialized" && $0.stringField("status") == "True" }
        if !initializing || initializedTrue {
            restarts = restartableInitRestarts
            lastRestart = lastRestartableInitRestart
            var hasRunning = false
            for container in (status.arrayField("containerStatuses") ?? []).compactMap(\.objectValue).reversed() {
                restarts += Int(container.intField("restartCount") ?? 0)
                lastRestart = later(lastRestart, container.objectField("lastState")?.objectField("terminated")?["finishedAt"])
                let state = container.objectField("state") ?? [:]
                if let r = state.objectField("waiting")?.stringField("reason"), !r.isEmpty {
                    reason = r
                } else if let terminated = state.objectField("terminated") {
                    if let r = terminated.stringField("reason"), !r.isEmpty {
                        reason = r
                    } else if let signal = terminated.intField("signal"), signal != 0 {
                        reason = "Signal:\(signal)"
                    } else {
                        reason = "ExitCode:\(terminated.intField("exitCode") ?? 0)"
                    }
                } else if container.boolField("ready") == true && state.objectField("running") != nil {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            // A pod whose last container completed but another still runs is Running (or NotReady).
            if reason == "Completed" && hasRunning {
                let ready = conditions.contains { $0.stringField("type") == "Ready" && $0.stringField("status") == "True" }
                reason = ready ? "Running" : "NotReady"
            }
        }

        if o.isDeleting && status.stringField("reason") == "NodeLost" {
            reason = "Unknown"
        } else if o.isDeleting && phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating"
        }

        var restartsText = String(restarts)
        if restarts != 0, let lastRestart {
            restartsText = "\(restarts) (\(PrinterTime.humanDuration(o.now.timeIntervalSince(lastRestart))) ago)"
        }

        var podIP = (status.arrayField("podIPs")?.first?.objectValue?.stringField("ip")) ?? status.stringField("podIP") ?? ""
        if podIP.isEmpty { podIP = "<none>" }
        var node = spec.stringField("nodeName") ?? ""
        if node.isEmpty { node = "<none>" }
        var nominated = status.stringField("nominatedNodeName") ?? ""
        if nominated.isEmpty { nominated = "<none>" }
        var gates = "<none>"
        let readinessGates = (spec.arrayField("readinessGates") ?? []).compactMap(\.objectValue)
        if !readinessGates.isEmpty {
            let trueCount = readinessGates.filter { gate in
                conditions.first { $0.stringField("type") == gate.stringField("conditionType") }?.stringField("status") == "True"
            }.count
            gates = "\(trueCount)/\(readinessGates.count)"
        }
        return [
            .string(o.name), .string("\(readyContainers)/\(totalContainers)"), .string(reason), .string(restartsText), o.age,
            .string(podIP), .string(node), .string(nominated), .string(gates),
        ]
    }
}
