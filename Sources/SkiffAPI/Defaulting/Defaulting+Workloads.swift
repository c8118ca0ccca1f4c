/// Defaults of the workload kinds (apps/v1, batch/v1, core/v1 ReplicationController).
extension Defaulting {
    static func defaultDeployment(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            spec.setIfAbsent("replicas", .int(1))
            spec.editObject("strategy", create: true) { strategy in
                strategy.setIfZero("type", .string("RollingUpdate"))
                guard strategy.stringField("type") == "RollingUpdate" else { return }
                strategy.editObject("rollingUpdate", create: true) { rolling in
                    rolling.setIfAbsent("maxUnavailable", .string("25%"))
                    rolling.setIfAbsent("maxSurge", .string("25%"))
                }
            }
            spec.setIfAbsent("revisionHistoryLimit", .int(10))
            spec.setIfAbsent("progressDeadlineSeconds", .int(600))
            spec.editObject("template", create: true) { defaultPodTemplate(&$0) }
        }
    }

    static func defaultReplicaSet(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            spec.setIfAbsent("replicas", .int(1))
            spec.editObject("template", create: true) { defaultPodTemplate(&$0) }
        }
    }

    static func defaultReplicationController(_ object: inout JSONObject) {
        let templateLabels = object.objectField("spec")?.objectField("template")?.objectField("metadata")?.objectField("labels")
        object.editObject("spec", create: true) { spec in
            spec.setIfAbsent("replicas", .int(1))
            if let templateLabels, spec.objectField("selector")?.isEmpty ?? true {
                spec["selector"] = .object(templateLabels)
            }
            spec.editObject("template") { defaultPodTemplate(&$0) }
        }
        if let templateLabels, object.objectField("metadata")?.objectField("labels")?.isEmpty ?? true {
            object.editObject("metadata", create: true) { $0["labels"] = .object(templateLabels) }
        }
    }

    static func defaultStatefulSet(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            spec.setIfZero("podManagementPolicy", .string("OrderedReady"))
            spec.editObject("updateStrategy", create: true) { strategy in
                if strategy.stringField("type") ?? "" == "" {
                    strategy["type"] = .string("RollingUpdate")
                    strategy.setIfAbsent("rollingUpdate", .object([:]))
                }
                if strategy.stringField("type") == "RollingUpdate" {
                    strategy.editObject("rollingUpdate") { rolling in
                        rolling.setIfAbsent("partition", .int(0))
                        // MaxUnavailableStatefulSet is beta (on by default) since 1.35.
                        rolling.setIfAbsent("maxUnavailable", .int(1))
                    }
                }
            }
            spec.editObject("persistentVolumeClaimRetentionPolicy", create: true) { policy in
                policy.setIfZero("whenDeleted", .string("Retain"))
                policy.setIfZero("whenScaled", .string("Retain"))
            }
            spec.setIfAbsent("replicas", .int(1))
            spec.setIfAbsent("revisionHistoryLimit", .int(10))
            spec.editObject("template", create: true) { defaultPodTemplate(&$0) }
            spec.editObjects("volumeClaimTemplates") { claim in
                claim.editObject("spec", create: true) { $0.setIfZero("volumeMode", .string("Filesystem")) }
                claim.editObject("status", create: true) { $0.setIfZero("phase", .string("Pending")) }
            }
        }
    }

    static func defaultDaemonSet(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            spec.editObject("updateStrategy", create: true) { strategy in
                strategy.setIfZero("type", .string("RollingUpdate"))
                guard strategy.stringField("type") == "RollingUpdate" else { return }
                strategy.editObject("rollingUpdate", create: true) { rolling in
                    rolling.setIfAbsent("maxUnavailable", .int(1))
                    rolling.setIfAbsent("maxSurge", .int(0))
                }
            }
            spec.setIfAbsent("revisionHistoryLimit", .int(10))
            spec.editObject("template", create: true) { defaultPodTemplate(&$0) }
        }
    }

    static func defaultJob(_ object: inout JSONObject) {
        let uid = object.objectField("metadata")?.stringField("uid") ?? ""
        let name = object.objectField("metadata")?.stringField("name") ?? ""
        var templateLabels: JSONObject?
        object.editObject("spec", create: true) { spec in
            // A non-parallel job may leave both unset; both then default to 1.
            if spec["completions"] == nil && spec["parallelism"] == nil {
                spec["completions"] = .int(1)
                spec["parallelism"] = .int(1)
            }
            spec.setIfAbsent("parallelism", .int(1))
            spec.setIfAbsent("backoffLimit", .int(spec["backoffLimitPerIndex"].map { $0 == .null ? 6 : Int64(Int32.max) } ?? 6))
            spec.setIfZero("completionMode", .string("NonIndexed"))
            spec.setIfAbsent("suspend", .bool(false))
            let hasFailurePolicy = spec["podFailurePolicy"].map { $0 != .null } ?? false
            spec.setIfZero("podReplacementPolicy", .string(hasFailurePolicy ? "Failed" : "TerminatingOrFailed"))
            spec.editObject("podFailurePolicy") { policy in
                policy.editObjects("rules") { $0.editObjects("onPodConditions") { $0.setIfZero("status", .string("True")) } }
            }
            // Defaulting copies the user's template labels; a later read (defaulted again from
            // storage) copies the generated ones when the user gave none.
            let userLabels = spec.objectField("template")?.objectField("metadata")?.objectField("labels")
            spec.setIfAbsent("manualSelector", .bool(false))
            // The job strategy's generated selector (unless manualSelector): it needs the uid. A
            // selector the user gave keeps its labels and gets the controller-uid one added.
            if spec.boolField("manualSelector") != true, !uid.isEmpty {
                if spec["selector"] == nil || spec["selector"] == .null { spec["selector"] = .object([:]) }
                spec.editObject("selector") { selector in
                    selector.editObject("matchLabels", create: true) {
                        $0.setIfAbsent("batch.kubernetes.io/controller-uid", .string(uid))
                    }
                }
                spec.editObject("template", create: true) { template in
                    template.editObject("metadata", create: true) { metadata in
                        metadata.editObject("labels", create: true) { labels in
                            labels.setIfAbsent("batch.kubernetes.io/controller-uid", .string(uid))
                            labels.setIfAbsent("batch.kubernetes.io/job-name", .string(name))
                            labels.setIfAbsent("controller-uid", .string(uid))
                            labels.setIfAbsent("job-name", .string(name))
                        }
                    }
                }
            }
            spec.editObject("template", create: true) { defaultPodTemplate(&$0) }
            templateLabels = (userLabels?.isEmpty ?? true)
                ? spec.objectField("template")?.objectField("metadata")?.objectField("labels") : userLabels
        }
        if let templateLabels, object.objectField("metadata")?.objectField("labels")?.isEmpty ?? true {
            object.editObject("metadata", create: true) { $0["labels"] = .object(templateLabels) }
        }
    }

    static func defaultCronJob(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            spec.setIfZero("concurrencyPolicy", .string("Allow"))
            spec.setIfAbsent("suspend", .bool(false))
            spec.setIfAbsent("successfulJobsHistoryLimit", .int(3))
            spec.setIfAbsent("failedJobsHistoryLimit", .int(1))
            spec.editObject("jobTemplate", create: true) { jobTemplate in
                jobTemplate.editObject("spec", create: true) { jobSpec in
                    jobSpec.editObject("template", create: true) { defaultPodTemplate(&$0) }
                }
            }
        }
    }
}
