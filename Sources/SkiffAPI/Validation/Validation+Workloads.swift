/// apps/v1, batch/v1 and ReplicationController spec validation.
extension Validation {
    static let selectorMismatch = "`selector` does not match template `labels`"

    static func templateLabels(_ spec: JSONObject) -> JSONObject? {
        spec.objectField("template")?.objectField("metadata")?.objectField("labels")
    }

    /// Required/structure/emptiness checks of a workload's `spec.selector`.
    static func validateWorkloadSelector(_ spec: JSONObject, kindWord: String, into errors: inout FieldErrors) {
        guard let selector = spec.objectField("selector") else {
            errors.required("spec.selector")
            return
        }
        StrategySelector.validate(selector, path: "spec.selector", into: &errors)
        if StrategySelector.isEmpty(selector) {
            errors.invalid("spec.selector", GoValue.labelSelector(spec["selector"]), "empty selector is invalid for \(kindWord)")
        }
    }

    /// `ValidatePodTemplateSpecForReplicaSet` (Deployments and ReplicaSets) and its RC twin.
    static func validateReplicatedTemplate(_ spec: JSONObject, selectorMatches: Bool, selectorEmpty: Bool,
                                           owner: String, into errors: inout FieldErrors) {
        guard let template = spec.objectField("template") else {
            errors.required("spec.template")
            return
        }
        if !selectorEmpty && !selectorMatches {
            errors.invalid("spec.template.metadata.labels", GoValue.stringMap(templateLabels(spec)), selectorMismatch)
        }
        validatePodTemplate(template, path: "spec.template", into: &errors)
        let podSpec = template.objectField("spec") ?? [:]
        if let policy = podSpec.stringField("restartPolicy"), policy != "Always", !policy.isEmpty {
            errors.notSupported("spec.template.spec.restartPolicy", .string(policy), ["Always"])
        }
        if let deadline = podSpec["activeDeadlineSeconds"], deadline != .null {
            errors.invalid("spec.template.spec.activeDeadlineSeconds", GoValue(deadline), "activeDeadlineSeconds in \(owner) is not Supported")
        }
    }

    static func validateDeployment(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        errors.nonNegative("spec.replicas", spec["replicas"])
        validateWorkloadSelector(spec, kindWord: "deployment", into: &errors)
        let selectorEmpty = spec.objectField("selector").map(StrategySelector.isEmpty) ?? false
        validateReplicatedTemplate(spec, selectorMatches: StrategySelector.matches(spec["selector"], labels: templateLabels(spec) ?? [:]),
                                   selectorEmpty: selectorEmpty, owner: "ReplicaSet", into: &errors)
        validateDeploymentStrategy(spec.objectField("strategy") ?? [:], into: &errors)
        errors.nonNegative("spec.minReadySeconds", spec["minReadySeconds"])
        errors.nonNegative("spec.revisionHistoryLimit", spec["revisionHistoryLimit"])
        if let deadline = spec["progressDeadlineSeconds"]?.intValue {
            errors.nonNegative("spec.progressDeadlineSeconds", .int(deadline))
            if deadline <= spec["minReadySeconds"]?.intValue ?? 0 {
                errors.invalid("spec.progressDeadlineSeconds", .int(deadline), "must be greater than minReadySeconds")
            }
        }
    }

    static func validateDeploymentStrategy(_ strategy: JSONObject, into errors: inout FieldErrors) {
        switch strategy.stringField("type") ?? "" {
        case "Recreate":
            if strategy["rollingUpdate"] != nil && strategy["rollingUpdate"] != .null {
                errors.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
            }
        case "RollingUpdate":
            guard let rolling = strategy.objectField("rollingUpdate") else {
                errors.required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil")
                return
            }
            let unavailable = intOrPercent(rolling["maxUnavailable"])
            let surge = intOrPercent(rolling["maxSurge"])
            for (key, value) in [("maxUnavailable", unavailable), ("maxSurge", surge)] {
                guard let value else {
                    errors.invalid("spec.strategy.rollingUpdate".fieldChild(key), intOrStringGo(rolling[key]), "must be an integer or percentage (e.g '5%')")
                    continue
                }
                if value.number < 0 {
                    errors.invalid("spec.strategy.rollingUpdate".fieldChild(key), intOrStringGo(rolling[key]), "must be greater than or equal to 0")
                }
            }
            if unavailable?.number == 0 && surge?.number == 0 {
                errors.invalid("spec.strategy.rollingUpdate.maxUnavailable", intOrStringGo(rolling["maxUnavailable"]), "may not be 0 when `maxSurge` is 0")
            }
            if let unavailable, unavailable.isPercent, unavailable.number > 100 {
                errors.invalid("spec.strategy.rollingUpdate.maxUnavailable", intOrStringGo(rolling["maxUnavailable"]), "must not be greater than 100%")
            }
        case let other:
            errors.notSupported("spec.strategy", .goSyntax("apps.DeploymentStrategy{Type:\(goQuote(other)), RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}"),
                                ["Recreate", "RollingUpdate"])
        }
    }

    static func intOrPercent(_ value: JSONValue?) -> (number: Int64, isPercent: Bool)? {
        switch value {
        case nil, .null?: return (0, false)
        case .string(let s)?:
            guard s.hasSuffix("%"), let n = Int64(s.dropLast()) else { return nil }
            return (n, true)
        case let v?: return v.intValue.map { ($0, false) }
        }
    }

    static func intOrStringGo(_ value: JSONValue?) -> GoValue {
        switch value {
        case .string(let s)?: .goSyntax("intstr.IntOrString{Type:1, IntVal:0, StrVal:\(goQuote(s))}")
        case let v?: .goSyntax("intstr.IntOrString{Type:0, IntVal:\(v.intValue ?? 0), StrVal:\"\"}")
        case nil: .null
        }
    }

    static func validateReplicaSet(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        errors.nonNegative("spec.replicas", spec["replicas"])
        errors.nonNegative("spec.minReadySeconds", spec["minReadySeconds"])
        // Kubernetes' ReplicaSet validation says "deployment" here too.
        validateWorkloadSelector(spec, kindWord: "deployment", into: &errors)
        let selectorEmpty = spec.objectField("selector").map(StrategySelector.isEmpty) ?? false
        validateReplicatedTemplate(spec, selectorMatches: StrategySelector.matches(spec["selector"], labels: templateLabels(spec) ?? [:]),
                                   selectorEmpty: selectorEmpty, owner: "ReplicaSet", into: &errors)
    }

    static func validateReplicationController(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        errors.nonNegative("spec.minReadySeconds", spec["minReadySeconds"])
        errors.nonNegative("spec.replicas", spec["replicas"])
        let selector = spec.objectField("selector") ?? [:]
        if selector.isEmpty { errors.required("spec.selector") }
        let labels = templateLabels(spec) ?? [:]
        let matches = selector.allSatisfy { labels[$0.key] == $0.value }
        validateReplicatedTemplate(spec, selectorMatches: matches, selectorEmpty: selector.isEmpty,
                                   owner: "ReplicationController", into: &errors)
    }

    static func validateStatefulSet(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        switch spec.stringField("podManagementPolicy") ?? "" {
        case "": errors.required("spec.podManagementPolicy")
        case "OrderedReady", "Parallel": break
        case let other: errors.invalid("spec.podManagementPolicy", .string(other), "must be 'OrderedReady' or 'Parallel'")
        }
        let strategy = spec.objectField("updateStrategy") ?? [:]
        switch strategy.stringField("type") ?? "" {
        case "": errors.required("spec.updateStrategy")
        case "OnDelete":
            if let rolling = strategy["rollingUpdate"], rolling != .null {
                errors.invalid("spec.updateStrategy.rollingUpdate", GoValue(rolling), "only allowed for updateStrategy 'RollingUpdate'")
            }
        case "RollingUpdate":
            errors.nonNegative("spec.updateStrategy.rollingUpdate.partition", strategy.objectField("rollingUpdate")?["partition"])
        case let other:
            errors.invalid("spec.updateStrategy", .goSyntax("apps.StatefulSetUpdateStrategy{Type:\(goQuote(other))}"), "must be 'RollingUpdate' or 'OnDelete'")
        }
        errors.nonNegative("spec.replicas", spec["replicas"])
        errors.nonNegative("spec.minReadySeconds", spec["minReadySeconds"])
        validateWorkloadSelector(spec, kindWord: "statefulset", into: &errors)
        let selectorEmpty = spec.objectField("selector").map(StrategySelector.isEmpty) ?? false
        if !selectorEmpty && !StrategySelector.matches(spec["selector"], labels: templateLabels(spec) ?? [:]) {
            errors.invalid("spec.template.metadata.labels", GoValue.stringMap(templateLabels(spec)), selectorMismatch)
        }
        let template = spec.objectField("template") ?? [:]
        let meta = template.objectField("metadata") ?? [:]
        validateLabels(meta.objectField("labels"), path: "spec.template.labels", into: &errors)
        validateAnnotations(meta.objectField("annotations"), path: "spec.template.annotations", into: &errors)
        // Mounts may also name volumeClaimTemplates, so validate the pod spec with those volumes added.
        var podSpec = template.objectField("spec") ?? [:]
        var volumes = podSpec.arrayField("volumes") ?? []
        for claim in spec.arrayField("volumeClaimTemplates") ?? [] {
            if let name = claim.objectValue?.objectField("metadata")?.stringField("name") {
                volumes.append(.object(["name": .string(name), "persistentVolumeClaim": .object(["claimName": .string(name)])]))
            }
        }
        podSpec["volumes"] = .array(volumes)
        validatePodSpec(podSpec, path: "spec.template.spec", into: &errors)
        let policy = podSpec.stringField("restartPolicy") ?? ""
        if policy != "Always" && !policy.isEmpty {
            errors.notSupported("spec.template.spec.restartPolicy", .string(policy), ["Always"])
        }
        if let deadline = podSpec["activeDeadlineSeconds"], deadline != .null {
            errors.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported")
        }
    }

    static func validateDaemonSet(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        if let selector = spec.objectField("selector") {
            StrategySelector.validate(selector, path: "spec.selector", into: &errors)
        } else {
            errors.required("spec.selector")
        }
        if spec.objectField("selector") != nil, !StrategySelector.matches(spec["selector"], labels: templateLabels(spec) ?? [:]) {
            errors.invalid("spec.template.metadata.labels", GoValue.stringMap(templateLabels(spec)), selectorMismatch)
        }
        if let selector = spec.objectField("selector"), StrategySelector.isEmpty(selector) {
            errors.invalid("spec.selector", GoValue.labelSelector(spec["selector"]), "empty selector is invalid for daemonset")
        }
        validatePodTemplate(spec.objectField("template"), path: "spec.template", into: &errors)
        let podSpec = spec.objectField("template")?.objectField("spec") ?? [:]
        if let policy = podSpec.stringField("restartPolicy"), policy != "Always", !policy.isEmpty {
            errors.notSupported("spec.template.spec.restartPolicy", .string(policy), ["Always"])
        }
        if let deadline = podSpec["activeDeadlineSeconds"], deadline != .null {
            errors.invalid("spec.template.spec.activeDeadlineSeconds", GoValue(deadline), "activeDeadlineSeconds in DaemonSet is not Supported")
        }
        errors.nonNegative("spec.minReadySeconds", spec["minReadySeconds"])
        errors.nonNegative("spec.revisionHistoryLimit", spec["revisionHistoryLimit"])
        let strategy = spec.objectField("updateStrategy") ?? [:]
        switch strategy.stringField("type") ?? "" {
        case "OnDelete", "RollingUpdate": break
        case "": errors.required("spec.updateStrategy")
        case let other: errors.notSupported("spec.updateStrategy", .string(other), ["OnDelete", "RollingUpdate"])
        }
    }

    /// `ValidateJobSpec` with `path` = "spec" (Jobs) or "spec.jobTemplate.spec" (CronJobs, whose
    /// selector is generated later and so must be absent instead).
    static func validateJobSpec(_ spec: JSONObject, path: String, inTemplate: Bool = false, into errors: inout FieldErrors) {
        for key in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] {
            errors.nonNegative(path.fieldChild(key), spec[key])
        }
        if let mode = spec.stringField("completionMode") {
            if mode != "NonIndexed" && mode != "Indexed" {
                errors.notSupported(path.fieldChild("completionMode"), .string(mode), ["NonIndexed", "Indexed"])
            }
            if mode == "Indexed" && (spec["completions"] == nil || spec["completions"] == .null) {
                errors.required(path.fieldChild("completions"), "when completion mode is Indexed")
            }
        }
        validatePodTemplate(spec.objectField("template"), path: path.fieldChild("template"), into: &errors)
        let policy = spec.objectField("template")?.objectField("spec")?.stringField("restartPolicy") ?? ""
        let restartPath = path.fieldChild("template.spec.restartPolicy")
        if policy == "Always" || policy.isEmpty {
            errors.required(restartPath, "valid values: \"OnFailure\", \"Never\"")
        } else if policy != "OnFailure" && policy != "Never" {
            errors.notSupported(restartPath, .string(policy), ["OnFailure", "Never"])
        }
        if inTemplate {
            if let selector = spec["selector"], selector != .null {
                errors.invalid(path.fieldChild("selector"), GoValue.labelSelector(selector), "`selector` will be auto-generated")
            }
            if spec.boolField("manualSelector") == true {
                errors.notSupported(path.fieldChild("manualSelector"), .bool(true), ["nil", "false"])
            }
            return
        }
        if let selector = spec.objectField("selector") {
            StrategySelector.validate(selector, path: path.fieldChild("selector"), into: &errors)
        } else {
            errors.required(path.fieldChild("selector"))
        }
        if spec.objectField("selector") != nil,
           !StrategySelector.matches(spec["selector"], labels: templateLabels(spec) ?? [:]) {
            errors.invalid(path.fieldChild("template.metadata.labels"), GoValue.stringMap(templateLabels(spec)), selectorMismatch)
        }
    }

    static func validateCronJob(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        let schedule = spec.stringField("schedule") ?? ""
        if schedule.isEmpty {
            errors.required("spec.schedule")
        } else {
            if let message = CronSchedule.parseError(schedule) {
                errors.invalid("spec.schedule", .string(schedule), message)
            }
            if schedule.contains("TZ") {
                errors.invalid("spec.schedule", .string(schedule), "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
            }
        }
        errors.nonNegative("spec.startingDeadlineSeconds", spec["startingDeadlineSeconds"])
        switch spec.stringField("concurrencyPolicy") ?? "" {
        case "Allow", "Forbid", "Replace": break
        case "": errors.required("spec.concurrencyPolicy")
        case let other: errors.notSupported("spec.concurrencyPolicy", .string(other), ["Allow", "Forbid", "Replace"])
        }
        let jobSpec = spec.objectField("jobTemplate")?.objectField("spec") ?? [:]
        validateJobSpec(jobSpec, path: "spec.jobTemplate.spec", inTemplate: true, into: &errors)
        errors.nonNegative("spec.successfulJobsHistoryLimit", spec["successfulJobsHistoryLimit"])
        errors.nonNegative("spec.failedJobsHistoryLimit", spec["failedJobsHistoryLimit"])
    }
}
