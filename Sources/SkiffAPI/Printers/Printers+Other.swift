/// Printers of the non-core groups' kinds (networking, RBAC, coordination, storage,
/// scheduling, autoscaling, policy, discovery, node).
extension Printers {
    static var otherPrinters: [(String, String, Printer)] {
        [
            ("networking.k8s.io", "Ingress", ingressPrinter),
            ("networking.k8s.io", "IngressClass", ingressClassPrinter),
            ("networking.k8s.io", "NetworkPolicy", networkPolicyPrinter),
            ("rbac.authorization.k8s.io", "RoleBinding", roleBindingPrinter),
            ("rbac.authorization.k8s.io", "ClusterRoleBinding", roleBindingPrinter),
            ("coordination.k8s.io", "Lease", leasePrinter),
            ("storage.k8s.io", "StorageClass", storageClassPrinter),
            ("scheduling.k8s.io", "PriorityClass", priorityClassPrinter),
            ("autoscaling", "HorizontalPodAutoscaler", horizontalPodAutoscalerPrinter),
            ("policy", "PodDisruptionBudget", podDisruptionBudgetPrinter),
            ("discovery.k8s.io", "EndpointSlice", endpointSlicePrinter),
            ("node.k8s.io", "RuntimeClass", runtimeClassPrinter),
        ]
    }

    static let ingressPrinter = Printer(
        columns: [
            nameColumn, column("Class", "The name of the IngressClass resource that should be used for additional configuration"),
            column("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
            column("Address", "Address is a list containing ingress points for the load-balancer"),
            column("Ports", "Ports of TLS configurations that open"), ageColumn,
        ],
        cells: { o in
            let rules = (o.spec.arrayField("rules") ?? []).compactMap(\.objectValue)
            var hosts: [String] = []
            var more = false
            for rule in rules {
                if hosts.count == 3 { more = true }
                if !more, let host = rule.stringField("host"), !host.isEmpty { hosts.append(host) }
            }
            var hostText = hosts.isEmpty ? "*" : hosts.joined(separator: ",")
            if more && !hosts.isEmpty { hostText += " + \(rules.count - 3) more..." }
            let ports = (o.spec.arrayField("tls")?.isEmpty ?? true) ? "80" : "80, 443"
            return [.string(o.name), .string(o.spec.stringField("ingressClassName") ?? "<none>"), .string(hostText),
                    .string(loadBalancerIngress(o.status)), .string(ports), o.age]
        }
    )

    static let ingressClassPrinter = Printer(
        columns: [nameColumn, column("Controller", "Controller that is responsible for handling this class"),
                  column("Parameters", "A reference to a resource with additional parameters"), ageColumn],
        cells: { o in
            var parameters = "<none>"
            if let p = o.spec.objectField("parameters") {
                let kind = p.stringField("kind") ?? ""
                let group = p.stringField("apiGroup") ?? ""
                parameters = (group.isEmpty ? kind : "\(kind).\(group)") + "/" + (p.stringField("name") ?? "")
            }
            return [.string(o.name), .string(o.spec.stringField("controller") ?? ""), .string(parameters), o.age]
        }
    )

    static let networkPolicyPrinter = Printer(
        columns: [nameColumn, column("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies."), ageColumn],
        cells: { o in [.string(o.name), .string(StrategySelector.formatSelector(o.spec["podSelector"] ?? .object([:]))), o.age] }
    )

    static let roleBindingPrinter = Printer(
        columns: [
            nameColumn, column("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."),
            ageColumn, column("Users", "Users in the roleBinding", wide: true), column("Groups", "Groups in the roleBinding", wide: true),
            column("ServiceAccounts", "ServiceAccounts in the roleBinding", wide: true),
        ],
        cells: { o in
            let ref = o.fields.objectField("roleRef") ?? [:]
            var users: [String] = [], groups: [String] = [], accounts: [String] = []
            for subject in (o.fields.arrayField("subjects") ?? []).compactMap(\.objectValue) {
                let name = subject.stringField("name") ?? ""
                switch subject.stringField("kind") {
                case "User": users.append(name)
                case "Group": groups.append(name)
                case "ServiceAccount": accounts.append((subject.stringField("namespace") ?? "") + ":" + name)
                default: break
                }
            }
            return [.string(o.name), .string("\(ref.stringField("kind") ?? "")/\(ref.stringField("name") ?? "")"), o.age,
                    .string(users.joined(separator: ", ")), .string(groups.joined(separator: ", ")), .string(accounts.joined(separator: ", "))]
        }
    )

    static let leasePrinter = Printer(
        columns: [nameColumn, column("Holder", "holderIdentity contains the identity of the holder of a current lease."), ageColumn],
        cells: { o in [.string(o.name), .string(o.spec.stringField("holderIdentity") ?? ""), o.age] }
    )

    static let storageClassPrinter = Printer(
        columns: [
            nameColumn, column("Provisioner", "provisioner indicates the type of the provisioner."),
            column("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class."),
            column("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
            column("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."), ageColumn,
        ],
        cells: { o in
            let annotations = o.meta.objectField("annotations") ?? [:]
            let isDefault = annotations.stringField("storageclass.kubernetes.io/is-default-class") == "true"
                || annotations.stringField("storageclass.beta.kubernetes.io/is-default-class") == "true"
            let f = o.fields
            return [.string(isDefault ? o.name + " (default)" : o.name), .string(f.stringField("provisioner") ?? ""),
                    .string(f.stringField("reclaimPolicy") ?? "Delete"), .string(f.stringField("volumeBindingMode") ?? "Immediate"),
                    .bool(f.boolField("allowVolumeExpansion") ?? false), o.age]
        }
    )

    static let priorityClassPrinter = Printer(
        columns: [
            nameColumn, column("Value", "value represents the integer value of this priority class.", type: "integer"),
            column("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.", type: "boolean"),
            ageColumn, column("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority."),
        ],
        cells: { o in
            [.string(o.name), o.fields.intCell("value"), .bool(o.fields.boolField("globalDefault") ?? false), o.age,
             .string(o.fields.stringField("preemptionPolicy") ?? "")]
        }
    )

    static let horizontalPodAutoscalerPrinter = Printer(
        columns: [
            nameColumn, column("Reference", "scaleTargetRef points to the target resource to scale."),
            column("Targets", "metrics contains the specifications for which to use to calculate the desired replica count."),
            column("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
            column("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
            column("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler."), ageColumn,
        ],
        cells: { o in
            let ref = o.spec.objectField("scaleTargetRef") ?? [:]
            let minPods = o.spec.intField("minReplicas").map(String.init) ?? "<unset>"
            return [.string(o.name), .string("\(ref.stringField("kind") ?? "")/\(ref.stringField("name") ?? "")"),
                    .string(hpaTargets(o)), .string(minPods), o.spec.intCell("maxReplicas"), o.status.intCell("currentReplicas"), o.age]
        }
    )

    /// `formatHPAMetrics` for Resource metrics (and the v1 CPU target); other metric types
    /// print as `<unknown>/target`.
    static func hpaTargets(_ o: PrintedObject) -> String {
        if let cpu = o.spec.intField("targetCPUUtilizationPercentage") {
            let current = o.status.intField("currentCPUUtilizationPercentage").map { "\($0)%" } ?? "<unknown>"
            return "cpu: \(current)/\(cpu)%"
        }
        let specs = (o.spec.arrayField("metrics") ?? []).compactMap(\.objectValue)
        if specs.isEmpty { return "<none>" }
        let statuses = (o.status.arrayField("currentMetrics") ?? []).compactMap(\.objectValue)
        var list: [String] = []
        for (i, metric) in specs.enumerated() {
            let type = metric.stringField("type") ?? ""
            let key = type.prefix(1).lowercased() + type.dropFirst()
            let source = metric.objectField(key) ?? [:]
            let target = source.objectField("target") ?? [:]
            let current = i < statuses.count ? statuses[i].objectField(key)?.objectField("current") : nil
            if type == "Resource" || type == "ContainerResource", target["averageValue"] == nil {
                let now = current?.intField("averageUtilization").map { "\($0)%" } ?? "<unknown>"
                let goal = target.intField("averageUtilization").map { "\($0)%" } ?? "<auto>"
                list.append("\(source.stringField("name") ?? ""): \(now)/\(goal)")
            } else {
                let goalValue = target["averageValue"] ?? target["value"]
                let nowValue = current?["averageValue"] ?? current?["value"]
                list.append("\(nowValue?.quantityText ?? "<unknown>")/\(goalValue?.quantityText ?? "<unknown>")")
            }
        }
        if list.count > 2 { return list.prefix(2).joined(separator: ", ") + " + \(list.count - 2) more..." }
        return list.joined(separator: ", ")
    }

    static let podDisruptionBudgetPrinter = Printer(
        columns: [
            nameColumn, column("Min Available", "The minimum number of pods that must be available."),
            column("Max Unavailable", "The maximum number of pods that may be unavailable."),
            column("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", type: "integer"), ageColumn,
        ],
        cells: { o in
            func text(_ v: JSONValue?) -> String {
                switch v {
                case nil, .null?: "N/A"
                case .string(let s)?: s
                case let v?: v.intValue.map(String.init) ?? v.jsonString
                }
            }
            return [.string(o.name), .string(text(o.spec["minAvailable"])), .string(text(o.spec["maxUnavailable"])),
                    o.status.intCell("disruptionsAllowed"), o.age]
        }
    )

    static let endpointSlicePrinter = Printer(
        columns: [
            nameColumn, column("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
            column("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
            column("Endpoints", "endpoints is a list of unique endpoints in this slice."), ageColumn,
        ],
        cells: { o in
            let ports = (o.fields.arrayField("ports") ?? []).compactMap(\.objectValue)
            var portText = "<unset>"
            if !ports.isEmpty {
                let shown = ports.prefix(3).map { $0.intField("port").map(String.init) ?? "<unset>" }.joined(separator: ",")
                portText = ports.count > 3 ? "\(shown) + \(ports.count - 3) more..." : shown
            }
            let addresses = (o.fields.arrayField("endpoints") ?? []).flatMap { ($0.objectValue?.arrayField("addresses") ?? []).compactMap(\.stringValue) }
            var endpointText = "<unset>"
            if !addresses.isEmpty {
                let shown = addresses.prefix(3).joined(separator: ",")
                endpointText = addresses.count > 3 ? "\(shown) + \(addresses.count - 3) more..." : shown
            }
            return [.string(o.name), .string(o.fields.stringField("addressType") ?? ""), .string(portText), .string(endpointText), o.age]
        }
    )

    static let runtimeClassPrinter = Printer(
        columns: [nameColumn, column("Handler", "handler specifies the underlying runtime and configuration that the CRI implementation will use."), ageColumn],
        cells: { o in [.string(o.name), .string(o.fields.stringField("handler") ?? ""), o.age] }
    )
}
