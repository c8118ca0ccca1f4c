/// Defaults of the kinds outside core workloads: RBAC bindings, EndpointSlices, LimitRanges,
/// CSIDrivers, admission webhooks and CustomResourceDefinitions (the SetDefaults_* functions of
/// pkg/apis/{rbac,discovery,core,storage,admissionregistration}/v1 and apiextensions/v1).
extension Defaulting {
    /// SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding and SetDefaults_Subject.
    static func defaultBinding(_ object: inout JSONObject) {
        object.editObjects("subjects") { defaultSubject(&$0) }
        object.editObject("roleRef") { $0.setIfZero("apiGroup", .string("rbac.authorization.k8s.io")) }
    }

    /// discovery/v1 SetDefaults_EndpointPort: name "" and protocol TCP when unset.
    static func defaultEndpointSlice(_ object: inout JSONObject) {
        object.editObjects("ports") { port in
            port.setIfAbsent("name", .string(""))
            port.setIfAbsent("protocol", .string("TCP"))
        }
    }

    /// SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its
    /// default request to the default limit, then to min.
    static func defaultLimitRange(_ object: inout JSONObject) {
        object.editObject("spec") { spec in
            spec.editObjects("limits") { item in
                guard item.stringField("type") == "Container" else { return }
                var defaults = item.objectField("default") ?? [:]
                var requests = item.objectField("defaultRequest") ?? [:]
                for (key, value) in item.objectField("max") ?? [:] where defaults[key] == nil { defaults[key] = value }
                for (key, value) in defaults where requests[key] == nil { requests[key] = value }
                for (key, value) in item.objectField("min") ?? [:] where requests[key] == nil { requests[key] = value }
                item["default"] = .object(defaults)
                item["defaultRequest"] = .object(requests)
            }
        }
    }

    /// storage/v1 SetDefaults_CSIDriver (with the 1.37 default-on gates CSIVolumeFSGroupPolicy,
    /// CSIInlineVolume and SELinuxMountReadWriteOncePod).
    static func defaultCSIDriver(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            spec.setIfAbsent("attachRequired", .bool(true))
            spec.setIfAbsent("podInfoOnMount", .bool(false))
            spec.setIfAbsent("storageCapacity", .bool(false))
            spec.setIfAbsent("fsGroupPolicy", .string("ReadWriteOnceWithFSType"))
            if spec.arrayField("volumeLifecycleModes")?.isEmpty ?? true {
                spec["volumeLifecycleModes"] = .array([.string("Persistent")])
            }
            spec.setIfAbsent("requiresRepublish", .bool(false))
            spec.setIfAbsent("seLinuxMount", .bool(false))
        }
    }

    /// admissionregistration/v1 SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook,
    /// SetDefaults_Rule (scope "*") and SetDefaults_ServiceReference (port 443).
    static func defaultWebhooks(_ object: inout JSONObject, mutating: Bool) {
        object.editObjects("webhooks") { hook in
            hook.setIfAbsent("failurePolicy", .string("Fail"))
            hook.setIfAbsent("matchPolicy", .string("Equivalent"))
            hook.setIfAbsent("namespaceSelector", .object([:]))
            hook.setIfAbsent("objectSelector", .object([:]))
            hook.setIfAbsent("timeoutSeconds", .int(10))
            if mutating { hook.setIfAbsent("reinvocationPolicy", .string("Never")) }
            hook.editObjects("rules") { $0.setIfAbsent("scope", .string("*")) }
            hook.editObject("clientConfig") { config in
                config.editObject("service") { $0.setIfAbsent("port", .int(443)) }
            }
        }
    }

    /// apiextensions/v1 SetDefaults_CustomResourceDefinitionSpec: singular and listKind from the
    /// kind, conversion strategy None, webhook service port 443.
    static func defaultCustomResourceDefinition(_ object: inout JSONObject) {
        object.editObject("spec") { spec in
            spec.editObject("names") { names in
                if let kind = names.stringField("kind"), !kind.isEmpty {
                    names.setIfZero("singular", .string(kind.lowercased()))
                    names.setIfZero("listKind", .string(kind + "List"))
                }
            }
            spec.editObject("conversion", create: true) { conversion in
                conversion.setIfZero("strategy", .string("None"))
                conversion.editObject("webhook") { webhook in
                    webhook.editObject("clientConfig") { config in
                        config.editObject("service") { $0.setIfAbsent("port", .int(443)) }
                    }
                }
            }
        }
    }
}
