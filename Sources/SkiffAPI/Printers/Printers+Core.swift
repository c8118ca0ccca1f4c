/// Printers of core/v1 kinds other than workloads.
extension Printers {
    static var corePrinters: [(String, String, Printer)] {
        [
            ("", "Pod", podPrinter),
            ("", "PodTemplate", podTemplatePrinter),
            ("", "Service", servicePrinter),
            ("", "Node", nodePrinter),
            ("", "Namespace", namespacePrinter),
            ("", "Event", eventPrinter),
            ("events.k8s.io", "Event", eventPrinter),
            ("", "ConfigMap", configMapPrinter),
            ("", "Secret", secretPrinter),
            ("", "Endpoints", endpointsPrinter),
            ("", "ServiceAccount", serviceAccountPrinter),
            ("", "PersistentVolume", persistentVolumePrinter),
            ("", "PersistentVolumeClaim", persistentVolumeClaimPrinter),
        ]
    }

    static let podTemplatePrinter = Printer(
        columns: [nameColumn, column("Containers", "Names of each container in the template."),
                  column("Images", "Images referenced by each container in the template."),
                  column("Pod Labels", "The labels for the pod template.")],
        cells: { o in
            let template = o.fields.objectField("template")
            return [.string(o.name)] + PrintedObject.containerCells(template?.objectField("spec"))
                + [.string(StrategySelector.formatLabels(template?.objectField("metadata")?.objectField("labels")))]
        }
    )

    static let servicePrinter = Printer(
        columns: [
            nameColumn, column("Type", "type determines how the Service is exposed."),
            column("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
            column("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
            column("Port(s)", "The list of ports that are exposed by this service."), ageColumn,
            column("Selector", "Route service traffic to pods with label keys and values matching this selector.", wide: true),
        ],
        cells: { o in
            let spec = o.spec
            let type = spec.stringField("type") ?? ""
            let internalIP = spec.arrayField("clusterIPs")?.first?.stringValue ?? spec.stringField("clusterIP").flatMap { $0.isEmpty ? nil : $0 } ?? "<none>"
            let ports = (spec.arrayField("ports") ?? []).compactMap(\.objectValue).map { port -> String in
                let number = port.intField("port") ?? 0
                let proto = port.stringField("protocol") ?? ""
                if let nodePort = port.intField("nodePort"), nodePort > 0 { return "\(number):\(nodePort)/\(proto)" }
                return "\(number)/\(proto)"
            }.joined(separator: ",")
            return [.string(o.name), .string(type), .string(internalIP), .string(serviceExternalIP(o)),
                    .string(ports.isEmpty ? "<none>" : ports), o.age,
                    .string(StrategySelector.formatLabels(spec.objectField("selector")))]
        }
    )

    static func loadBalancerIngress(_ status: JSONObject) -> String {
        let ingress = (status.objectField("loadBalancer")?.arrayField("ingress") ?? []).compactMap(\.objectValue)
        return ingress.compactMap { entry -> String? in
            if let ip = entry.stringField("ip"), !ip.isEmpty { return ip }
            if let host = entry.stringField("hostname"), !host.isEmpty { return host }
            return nil
        }.joined(separator: ",")
    }

    static func serviceExternalIP(_ o: PrintedObject) -> String {
        let externalIPs = (o.spec.arrayField("externalIPs") ?? []).compactMap(\.stringValue)
        switch o.spec.stringField("type") ?? "" {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            let lb = loadBalancerIngress(o.status)
            if !externalIPs.isEmpty {
                return ((lb.isEmpty ? [] : lb.split(separator: ",").map(String.init)) + externalIPs).joined(separator: ",")
            }
            return lb.isEmpty ? "<pending>" : lb
        case "ExternalName":
            return o.spec.stringField("externalName") ?? ""
        default:
            return "<unknown>"
        }
    }

    static let nodePrinter = Printer(
        columns: [
            nameColumn, column("Status", "The status of the node"), column("Roles", "The roles of the node"), ageColumn,
            column("Version", "Kubelet Version reported by the node."),
            column("Internal-IP", "List of addresses reachable to the node.", wide: true),
            column("External-IP", "List of addresses reachable to the node.", wide: true),
            column("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", wide: true),
            column("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", wide: true),
            column("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", wide: true),
        ],
        cells: { o in
            var states: [String] = []
            if let ready = (o.status.arrayField("conditions") ?? []).compactMap(\.objectValue).last(where: { $0.stringField("type") == "Ready" }) {
                states.append(ready.stringField("status") == "True" ? "Ready" : "NotReady")
            }
            if states.isEmpty { states.append("Unknown") }
            if o.spec.boolField("unschedulable") == true { states.append("SchedulingDisabled") }
            var roles = Set<String>()
            for (key, value) in o.meta.objectField("labels") ?? [:] {
                if key.hasPrefix("node-role.kubernetes.io/") {
                    let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                    if !role.isEmpty { roles.insert(role) }
                } else if key == "kubernetes.io/role", let v = value.stringValue, !v.isEmpty {
                    roles.insert(v)
                }
            }
            let info = o.status.objectField("nodeInfo") ?? [:]
            let addresses = (o.status.arrayField("addresses") ?? []).compactMap(\.objectValue)
            func address(_ type: String) -> String {
                addresses.first { $0.stringField("type") == type }?.stringField("address") ?? "<none>"
            }
            func known(_ key: String) -> String {
                let v = info.stringField(key) ?? ""
                return v.isEmpty ? "<unknown>" : v
            }
            return [.string(o.name), .string(states.joined(separator: ",")),
                    .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")), o.age,
                    .string(info.stringField("kubeletVersion") ?? ""), .string(address("InternalIP")), .string(address("ExternalIP")),
                    .string(known("osImage")), .string(known("kernelVersion")), .string(known("containerRuntimeVersion"))]
        }
    )

    static let namespacePrinter = Printer(
        columns: [nameColumn, column("Status", "The status of the namespace"), ageColumn],
        cells: { o in [.string(o.name), .string(o.status.stringField("phase") ?? ""), o.age] }
    )

    static let eventPrinter = Printer(
        columns: [
            column("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
            column("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
            column("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
            column("Object", "The object that this event is about."),
            column("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", wide: true),
            column("Source", "The component reporting this event. Should be a short machine understandable string.", wide: true),
            column("Message", "A human-readable description of the status of this operation."),
            column("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", wide: true),
            column("Count", "The number of times this event has occurred.", wide: true),
            TableColumn(name: "Name", type: "string", format: "name", description: nameDescription, priority: 1),
        ],
        cells: eventCells
    )

    /// Core/v1 and events.k8s.io/v1 events share the printer; the latter names fields differently.
    static func eventCells(_ o: PrintedObject) -> [JSONValue] {
        let f = o.fields
        let isNew = f["regarding"] != nil || f["note"] != nil || f["deprecatedFirstTimestamp"] != nil
        let involved = f.objectField(isNew ? "regarding" : "involvedObject") ?? [:]
        let firstTimestamp = f[isNew ? "deprecatedFirstTimestamp" : "firstTimestamp"]
        let lastTimestamp = f[isNew ? "deprecatedLastTimestamp" : "lastTimestamp"]
        func present(_ v: JSONValue?) -> Bool { v?.stringValue.map { !$0.isEmpty } ?? false }
        let first = present(firstTimestamp) ? o.since(firstTimestamp) : o.since(f["eventTime"])
        var last = present(lastTimestamp) ? o.since(lastTimestamp) : first
        var count = f.intField(isNew ? "deprecatedCount" : "count") ?? 0
        if let series = f.objectField("series") {
            last = o.since(series["lastObservedTime"])
            count = series.intField("count") ?? 0
        } else if count == 0 {
            count = 1
        }
        let kind = (involved.stringField("kind") ?? "").lowercased()
        let involvedName = involved.stringField("name") ?? ""
        let target = involvedName.isEmpty ? kind : "\(kind)/\(involvedName)"
        let source = isNew ? f.objectField("deprecatedSource") ?? [:] : f.objectField("source") ?? [:]
        let component = nonEmpty(source.stringField("component"), f.stringField("reportingController"))
        let instance = nonEmpty(source.stringField("host"), f.stringField(isNew ? "reportingInstance" : "reportingInstance"))
        let sourceText = instance.isEmpty ? component : component + ", " + instance
        let message = (f.stringField(isNew ? "note" : "message") ?? "").trimmingASCIIWhitespace()
        return [.string(last), .string(f.stringField("type") ?? ""), .string(f.stringField("reason") ?? ""), .string(target),
                .string(involved.stringField("fieldPath") ?? ""), .string(sourceText), .string(String(message)),
                .string(first), .int(count), .string(o.name)]
    }

    private static func nonEmpty(_ a: String?, _ b: String?) -> String {
        if let a, !a.isEmpty { return a }
        return b ?? ""
    }

    static let configMapPrinter = Printer(
        columns: [nameColumn, column("Data", "Data contains the configuration data."), ageColumn],
        cells: { o in
            let count = (o.fields.objectField("data")?.count ?? 0) + (o.fields.objectField("binaryData")?.count ?? 0)
            return [.string(o.name), .int(Int64(count)), o.age]
        }
    )

    static let secretPrinter = Printer(
        columns: [nameColumn, column("Type", "Used to facilitate programmatic handling of secret data."),
                  column("Data", "Data contains the secret data."), ageColumn],
        cells: { o in
            [.string(o.name), .string(o.fields.stringField("type") ?? ""), .int(Int64(o.fields.objectField("data")?.count ?? 0)), o.age]
        }
    )

    static let endpointsPrinter = Printer(
        columns: [nameColumn, column("Endpoints", "The set of all endpoints is the union of all subsets."), ageColumn],
        cells: { o in [.string(o.name), .string(formatEndpoints(o.fields.arrayField("subsets") ?? [])), o.age] }
    )

    /// `formatEndpoints`: up to three `ip:port` entries, then ` + N more...`.
    static func formatEndpoints(_ subsets: [JSONValue]) -> String {
        if subsets.isEmpty { return "<none>" }
        var list: [String] = []
        let maximum = 3
        var more = false
        var count = 0
        for subset in subsets.compactMap(\.objectValue) {
            let addresses = (subset.arrayField("addresses") ?? []).compactMap { $0.objectValue?.stringField("ip") }
            let ports = (subset.arrayField("ports") ?? []).compactMap(\.objectValue)
            if ports.isEmpty {
                count += addresses.count
                for ip in addresses {
                    if list.count == maximum { more = true; break }
                    list.append(ip)
                }
                continue
            }
            for port in ports {
                count += addresses.count
                for ip in addresses {
                    if list.count == maximum { more = true; break }
                    let number = port.intField("port") ?? 0
                    list.append(ip.contains(":") ? "[\(ip)]:\(number)" : "\(ip):\(number)")
                }
            }
        }
        let text = list.joined(separator: ",")
        return more ? "\(text) + \(count - maximum) more..." : text
    }

    static let serviceAccountPrinter = Printer(
        columns: [nameColumn, column("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), ageColumn],
        cells: { o in [.string(o.name), .int(Int64(o.fields.arrayField("secrets")?.count ?? 0)), o.age] }
    )

    /// `GetAccessModesAsString`.
    static func accessModes(_ modes: [JSONValue]?) -> String {
        let present = Set((modes ?? []).compactMap(\.stringValue))
        return [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
            .filter { present.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    static let persistentVolumePrinter = Printer(
        columns: [
            nameColumn, column("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
            column("Access Modes", "accessModes contains all ways the volume can be mounted."),
            column("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
            column("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
            column("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
            column("StorageClass", "StorageClass of the pv"), column("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
            column("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
            ageColumn, column("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", wide: true),
        ],
        cells: { o in
            let spec = o.spec
            var claim = ""
            if let ref = spec.objectField("claimRef") { claim = (ref.stringField("namespace") ?? "") + "/" + (ref.stringField("name") ?? "") }
            let capacity = spec.objectField("capacity")?["storage"]?.quantityText ?? "0"
            let phase = o.isDeleting ? "Terminating" : (o.status.stringField("phase") ?? "")
            let storageClass = spec.stringField("storageClassName")
                ?? o.meta.objectField("annotations")?.stringField("volume.beta.kubernetes.io/storage-class") ?? ""
            return [.string(o.name), .string(capacity), .string(accessModes(spec.arrayField("accessModes"))),
                    .string(spec.stringField("persistentVolumeReclaimPolicy") ?? ""), .string(phase), .string(claim),
                    .string(storageClass), .string(spec.stringField("volumeAttributesClassName") ?? "<unset>"),
                    .string(o.status.stringField("reason") ?? ""), o.age, .string(spec.stringField("volumeMode") ?? "<unset>")]
        }
    )

    static let persistentVolumeClaimPrinter = Printer(
        columns: [
            nameColumn, column("Status", "phase represents the current phase of PersistentVolumeClaim."),
            column("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
            column("Capacity", "capacity represents the actual resources of the underlying volume."),
            column("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
            column("StorageClass", "StorageClass of the pvc"), column("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
            ageColumn, column("VolumeMode", "volumeMode defines what type of volume is required by the claim.", wide: true),
        ],
        cells: { o in
            let spec = o.spec
            let phase = o.isDeleting ? "Terminating" : (o.status.stringField("phase") ?? "")
            var capacity = ""
            var modes = ""
            let volumeName = spec.stringField("volumeName") ?? ""
            if !volumeName.isEmpty {
                modes = accessModes(o.status.arrayField("accessModes"))
                capacity = o.status.objectField("capacity")?["storage"]?.quantityText ?? "0"
            }
            let storageClass = spec.stringField("storageClassName")
                ?? o.meta.objectField("annotations")?.stringField("volume.beta.kubernetes.io/storage-class") ?? ""
            let attributesClass = spec.stringField("volumeAttributesClassName").flatMap { $0.isEmpty ? nil : $0 } ?? "<unset>"
            return [.string(o.name), .string(phase), .string(volumeName), .string(capacity), .string(modes), .string(storageClass),
                    .string(attributesClass), o.age, .string(spec.stringField("volumeMode") ?? "<unset>")]
        }
    )
}
