/// Printers of the workload kinds: deployments, replica sets, stateful sets, daemon sets,
/// replication controllers, jobs, cron jobs, pod templates, controller revisions.
extension Printers {
    static let selectorColumn = column("Selector", "A label query over pods that should match the replica count.", wide: true)

    static var workloadPrinters: [(String, String, Printer)] {
        [
            ("apps", "Deployment", deploymentPrinter),
            ("apps", "ReplicaSet", replicaSetPrinter),
            ("apps", "StatefulSet", statefulSetPrinter),
            ("apps", "DaemonSet", daemonSetPrinter),
            ("apps", "ControllerRevision", controllerRevisionPrinter),
            ("", "ReplicationController", replicationControllerPrinter),
            ("batch", "Job", jobPrinter),
            ("batch", "CronJob", cronJobPrinter),
        ]
    }

    static let deploymentPrinter = Printer(
        columns: [
            nameColumn, column("Ready", "Number of the pod with ready state"),
            column("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            column("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ],
        cells: { o in
            let desired = o.spec.intField("replicas") ?? 0
            return [.string(o.name), .string("\(o.status.intField("readyReplicas") ?? 0)/\(desired)"),
                    o.status.intCell("updatedReplicas"), o.status.intCell("availableReplicas"), o.age]
                + PrintedObject.containerCells(o.spec.objectField("template")?.objectField("spec"))
                + [.string(StrategySelector.text(o.spec["selector"]))]
        }
    )

    static let replicaSetPrinter = Printer(
        columns: [
            nameColumn, column("Desired", "Replicas is the number of desired pods.", type: "integer"),
            column("Current", "Replicas is the most recently observed number of replicas.", type: "integer"),
            column("Ready", "The number of ready replicas for this replica set.", type: "integer"),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ],
        cells: { o in
            [.string(o.name), o.spec.intCell("replicas"), o.status.intCell("replicas"), o.status.intCell("readyReplicas"), o.age]
                + PrintedObject.containerCells(o.spec.objectField("template")?.objectField("spec"))
                + [.string(StrategySelector.text(o.spec["selector"]))]
        }
    )

    static let replicationControllerPrinter = Printer(
        columns: replicaSetPrinter.columns,
        cells: { o in
            [.string(o.name), o.spec.intCell("replicas"), o.status.intCell("replicas"), o.status.intCell("readyReplicas"), o.age]
                + PrintedObject.containerCells(o.spec.objectField("template")?.objectField("spec"))
                + [.string(StrategySelector.formatLabels(o.spec.objectField("selector")))]
        }
    )

    static let statefulSetPrinter = Printer(
        columns: [nameColumn, column("Ready", "Number of the pod with ready state"), ageColumn, containersColumn, imagesColumn],
        cells: { o in
            [.string(o.name), .string("\(o.status.intField("readyReplicas") ?? 0)/\(o.spec.intField("replicas") ?? 0)"), o.age]
                + PrintedObject.containerCells(o.spec.objectField("template")?.objectField("spec"))
        }
    )

    static let daemonSetPrinter = Printer(
        columns: [
            nameColumn,
            column("Desired", "The total number of nodes that should be running the daemon pod.", type: "integer"),
            column("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.", type: "integer"),
            column("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", type: "integer"),
            column("Up-to-date", "The total number of nodes that are running updated daemon pod", type: "integer"),
            column("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.", type: "integer"),
            column("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
            ageColumn, containersColumn, imagesColumn, selectorColumn,
        ],
        cells: { o in
            let podSpec = o.spec.objectField("template")?.objectField("spec")
            return [.string(o.name), o.status.intCell("desiredNumberScheduled"), o.status.intCell("currentNumberScheduled"),
                    o.status.intCell("numberReady"), o.status.intCell("updatedNumberScheduled"), o.status.intCell("numberAvailable"),
                    .string(StrategySelector.formatLabels(podSpec?.objectField("nodeSelector"))), o.age]
                + PrintedObject.containerCells(podSpec)
                + [.string(StrategySelector.text(o.spec["selector"]))]
        }
    )

    static let controllerRevisionPrinter = Printer(
        columns: [nameColumn, column("Controller", "Controller of the object"),
                  column("Revision", "Revision indicates the revision of the state represented by Data."), ageColumn],
        cells: { o in
            var controller = "<none>"
            if let owner = (o.meta.arrayField("ownerReferences") ?? []).compactMap(\.objectValue).first(where: { $0.boolField("controller") == true }) {
                let apiVersion = owner.stringField("apiVersion") ?? ""
                let group = apiVersion.contains("/") ? String(apiVersion.prefix { $0 != "/" }) : ""
                let kind = (owner.stringField("kind") ?? "").lowercased()
                controller = (group.isEmpty ? kind : "\(kind).\(group)") + "/" + (owner.stringField("name") ?? "")
            }
            return [.string(o.name), .string(controller), o.fields.intCell("revision"), o.age]
        }
    )

    static let jobPrinter = Printer(
        columns: [
            nameColumn, column("Status", "Status of the job."),
            column("Completions", "The number of pods which reached phase Succeeded."),
            column("Duration", "Time required to complete the job."), ageColumn,
            containersColumn, imagesColumn, column("Selector", "A label query over pods that should match the pod count.", wide: true),
        ],
        cells: { o in
            let succeeded = o.status.intField("succeeded") ?? 0
            var completions: String
            if let total = o.spec.intField("completions") {
                completions = "\(succeeded)/\(total)"
            } else {
                let parallelism = o.spec.intField("parallelism") ?? 0
                completions = parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1"
            }
            var duration = ""
            if let start = o.status.stringField("startTime").flatMap(KubeTime.parse) {
                let end = o.status.stringField("completionTime").flatMap(KubeTime.parse) ?? o.now
                duration = PrinterTime.humanDuration(end.timeIntervalSince(start))
            }
            let conditions = (o.status.arrayField("conditions") ?? []).compactMap(\.objectValue)
            func has(_ type: String) -> Bool {
                conditions.contains { $0.stringField("type") == type && $0.stringField("status") == "True" }
            }
            let state: String = if has("Complete") { "Complete" } else if has("Failed") { "Failed" }
                else if o.isDeleting { "Terminating" } else if has("Suspended") { "Suspended" }
                else if has("FailureTarget") { "FailureTarget" } else if has("SuccessCriteriaMet") { "SuccessCriteriaMet" }
                else { "Running" }
            return [.string(o.name), .string(state), .string(completions), .string(duration), o.age]
                + PrintedObject.containerCells(o.spec.objectField("template")?.objectField("spec"))
                + [.string(StrategySelector.text(o.spec["selector"]))]
        }
    )

    static let cronJobPrinter = Printer(
        columns: [
            nameColumn, column("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
            column("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
            column("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.", type: "boolean"),
            column("Active", "A list of pointers to currently running jobs.", type: "integer"),
            column("Last Schedule", "Information when was the last time the job was successfully scheduled."),
            ageColumn, containersColumn, imagesColumn, column("Selector", "A label query over pods that should match the pod count.", wide: true),
        ],
        cells: { o in
            let last = o.status["lastScheduleTime"].flatMap { $0 == .null ? nil : o.since($0) } ?? "<none>"
            let timeZone = o.spec.stringField("timeZone") ?? "<none>"
            let suspend: JSONValue = o.spec.boolField("suspend").map { .bool($0) } ?? .string("<unset>")
            let jobSpec = o.spec.objectField("jobTemplate")?.objectField("spec")
            return [.string(o.name), .string(o.spec.stringField("schedule") ?? ""), .string(timeZone), suspend,
                    .int(Int64(o.status.arrayField("active")?.count ?? 0)), .string(last), o.age]
                + PrintedObject.containerCells(jobSpec?.objectField("template")?.objectField("spec"))
                + [.string(StrategySelector.formatSelector(jobSpec?["selector"]))]
        }
    )
}
