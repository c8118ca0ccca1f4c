import Testing
@testable import SkiffAPI

@Suite("Validation", .timeLimit(.minutes(5)))
struct ValidationTests {
    private func causes(_ value: JSONValue, _ kind: GroupVersionKind) -> [FieldCause] {
        Validation.validateCreate(Fixture.defaulted(value, kind), kind: kind)
    }

    @Test("defaulted minimal objects are valid")
    func validMinimalObjects() {
        #expect(causes(Fixture.minimalPod(), Fixture.pod).isEmpty)
        #expect(causes(Fixture.minimalDeployment(), Fixture.deployment).isEmpty)
        #expect(causes(Fixture.minimalService(), Fixture.service).isEmpty)
        #expect(causes(Fixture.json(#"{"metadata":{"name":"team-a"}}"#), Fixture.namespace).isEmpty)
    }

    @Test("an invalid name gets the RFC 1123 subdomain message exactly")
    func subdomainMessage() {
        let result = causes(Fixture.minimalPod(name: "Foo_Bar"), Fixture.pod)
        #expect(result == [FieldCause(
            reason: "FieldValueInvalid",
            message: #"Invalid value: "Foo_Bar": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
            field: "metadata.name")])
    }

    @Test("names are required unless generateName is set, and namespaces and services use label rules")
    func nameRules() {
        let unnamed = causes(Fixture.json(#"{"metadata":{},"spec":{"containers":[{"name":"c","image":"x"}]}}"#), Fixture.pod)
        #expect(unnamed == [FieldCause(reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name")])
        #expect(causes(Fixture.json(#"{"metadata":{"generateName":"web-"},"spec":{"containers":[{"name":"c","image":"x"}]}}"#), Fixture.pod).isEmpty)
        let ns = causes(Fixture.json(#"{"metadata":{"name":"a.b"}}"#), Fixture.namespace)
        #expect(ns.first?.message == #"Invalid value: "a.b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#)
        var service = Fixture.minimalService()
        service["metadata"]?["name"] = .string("1web")
        #expect(causes(service, Fixture.service).first?.message.contains("a DNS-1035 label must consist") == true)
        let role = Fixture.json(#"{"metadata":{"name":"system:controller:x"},"rules":[]}"#)
        #expect(causes(role, GroupVersionKind(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole")).isEmpty)
        let badRole = Fixture.json(#"{"metadata":{"name":"a/b"}}"#)
        #expect(causes(badRole, GroupVersionKind(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role")).first?.message == #"Invalid value: "a/b": may not contain '/'"#)
    }

    @Test("label keys and values and annotation size are checked")
    func labelsAndAnnotations() {
        var pod = Fixture.minimalPod()
        pod["metadata"]?["labels"] = .object(["bad key": .string("ok"), "app": .string("-bad")])
        let result = causes(pod, Fixture.pod)
        #expect(result.count == 2)
        #expect(result.allSatisfy { $0.field == "metadata.labels" && $0.reason == "FieldValueInvalid" })
        #expect(result.contains { $0.message.hasPrefix(#"Invalid value: "bad key": name part must consist of alphanumeric characters"#) })
        #expect(result.contains { $0.message.hasPrefix(#"Invalid value: "-bad": a valid label must be an empty string or consist of"#) })
        var big = Fixture.minimalPod()
        big["metadata"]?["annotations"] = .object(["a": .string(String(repeating: "x", count: 262_144))])
        #expect(causes(big, Fixture.pod) == [FieldCause(reason: "FieldValueTooLong", message: "Too long: may not be more than 262144 bytes", field: "metadata.annotations")])
    }

    @Test("pod spec errors name the field with Kubernetes' messages")
    func podSpecErrors() {
        let pod = Fixture.json(#"""
        {"metadata":{"name":"p"},"spec":{"restartPolicy":"Sometimes","containers":[
          {"name":"c","ports":[{"containerPort":70000}],"volumeMounts":[{"name":"missing","mountPath":"/m"}],
           "resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}},
          {"name":"c","image":"x"}],
          "volumes":[{"name":"v","emptyDir":{}},{"name":"v","emptyDir":{}}]}}
        """#)
        let result = causes(pod, Fixture.pod)
        #expect(result.contains(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image")))
        #expect(result.contains(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: 70000: must be between 1 and 65535, inclusive", field: "spec.containers[0].ports[0].containerPort")))
        #expect(result.contains(FieldCause(reason: "FieldValueNotFound", message: #"Not found: "missing""#, field: "spec.containers[0].volumeMounts[0].name")))
        #expect(result.contains(FieldCause(reason: "FieldValueInvalid", message: #"Invalid value: "2": must be less than or equal to cpu limit of 1"#, field: "spec.containers[0].resources.requests")))
        #expect(result.contains(FieldCause(reason: "FieldValueDuplicate", message: #"Duplicate value: "c""#, field: "spec.containers[1].name")))
        #expect(result.contains(FieldCause(reason: "FieldValueDuplicate", message: #"Duplicate value: "v""#, field: "spec.volumes[1].name")))
        #expect(result.contains(FieldCause(reason: "FieldValueNotSupported", message: #"Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#, field: "spec.restartPolicy")))
        let empty = causes(Fixture.json(#"{"metadata":{"name":"p"},"spec":{"containers":[]}}"#), Fixture.pod)
        #expect(empty == [FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.containers")])
    }

    @Test("a deployment whose selector misses its template labels is rejected as Kubernetes does")
    func selectorMismatch() {
        let result = causes(Fixture.minimalDeployment(selector: "web", templateLabel: "api"), Fixture.deployment)
        #expect(result == [FieldCause(reason: "FieldValueInvalid",
                                      message: #"Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`"#,
                                      field: "spec.template.metadata.labels")])
        var negative = Fixture.minimalDeployment()
        negative["spec"]?["replicas"] = .int(-1)
        #expect(causes(negative, Fixture.deployment) == [FieldCause(reason: "FieldValueInvalid", message: "Invalid value: -1: must be greater than or equal to 0", field: "spec.replicas")])
        var noSelector = Fixture.minimalDeployment()
        noSelector["spec"]?["selector"] = nil
        #expect(causes(noSelector, Fixture.deployment).first == FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.selector"))
    }

    @Test("services: ports, types and node ports are checked")
    func serviceErrors() {
        let service = Fixture.json(#"""
        {"metadata":{"name":"s"},"spec":{"type":"Weird","ports":[{"port":0},{"name":"b","port":80,"nodePort":80}]}}
        """#)
        let result = causes(service, Fixture.service)
        #expect(result.contains(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.ports[0].name")))
        #expect(result.contains(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: 0: must be between 1 and 65535, inclusive", field: "spec.ports[0].port")))
        #expect(result.contains(FieldCause(reason: "FieldValueNotSupported", message: #"Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#, field: "spec.type")))
        let noPorts = causes(Fixture.json(#"{"metadata":{"name":"s"},"spec":{}}"#), Fixture.service)
        #expect(noPorts == [FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.ports")])
        let nodePort = causes(Fixture.json(#"{"metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}}"#), Fixture.service)
        #expect(nodePort == [FieldCause(reason: "FieldValueInvalid", message: "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767", field: "spec.ports[0].nodePort")])
    }

    @Test("config map keys and sizes are checked")
    func configMapErrors() {
        let result = causes(Fixture.json(#"{"metadata":{"name":"c"},"data":{"bad/key":"x"}}"#), Fixture.configMap)
        #expect(result == [FieldCause(reason: "FieldValueInvalid", message: #"Invalid value: "bad/key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"#, field: "data[bad/key]")])
        let big = JSONValue.object(["metadata": .object(["name": .string("c")]), "data": .object(["k": .string(String(repeating: "x", count: 1_048_577))])])
        #expect(causes(big, Fixture.configMap) == [FieldCause(reason: "FieldValueTooLong", message: "Too long: may not be more than 1048576 bytes", field: "")])
        let tls = causes(Fixture.json(#"{"metadata":{"name":"t"},"type":"kubernetes.io/tls","data":{}}"#), Fixture.secret)
        #expect(tls.map(\.field) == ["data[tls.crt]", "data[tls.key]"])
    }

    @Test("jobs need OnFailure or Never and cron jobs a parseable schedule")
    func jobAndCronJob() {
        let job = Fixture.json(#"{"metadata":{"name":"j","uid":"u"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#)
        #expect(causes(job, Fixture.job) == [FieldCause(reason: "FieldValueRequired", message: #"Required value: valid values: "OnFailure", "Never""#, field: "spec.template.spec.restartPolicy")])
        let cron = Fixture.json(#"{"metadata":{"name":"c"},"spec":{"schedule":"61 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}}}"#)
        #expect(causes(cron, Fixture.cronJob) == [FieldCause(reason: "FieldValueInvalid", message: #"Invalid value: "61 * * * *": end of range (61) above maximum (59): 61"#, field: "spec.schedule")])
        #expect(CronSchedule.parseError("*/5 1-3 * JAN-MAR mon,fri") == nil)
        #expect(CronSchedule.parseError("@hourly") == nil)
        #expect(CronSchedule.parseError("@every 1h30m") == nil)
        #expect(CronSchedule.parseError("foo") == "expected exactly 5 fields, found 1: [foo]")
        #expect(CronSchedule.parseError("x * * * *") == #"failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax"#)
        #expect(CronSchedule.parseError("@sometimes") == "unrecognized descriptor: @sometimes")
    }

    @Test("pod updates may change images but not other spec fields")
    func podImmutability() {
        let old = Fixture.defaulted(Fixture.minimalPod(image: "nginx:1"), Fixture.pod)
        var newImage = old
        newImage["spec"]?["containers"] = .array([.object((old.at("spec.containers.0")?.objectValue ?? [:]).merging(["image": .string("nginx:2")]) { $1 })])
        #expect(Validation.validateUpdate(newImage, old: old, kind: Fixture.pod).isEmpty)
        var newPolicy = old
        newPolicy["spec"]?["restartPolicy"] = .string("Never")
        let result = Validation.validateUpdate(newPolicy, old: old, kind: Fixture.pod)
        #expect(result.count == 1)
        #expect(result.first?.reason == "FieldValueForbidden")
        #expect(result.first?.field == "spec")
        #expect(result.first?.message.hasPrefix("Forbidden: pod updates may not change fields other than `spec.containers[*].image`") == true)
        var renamed = old
        renamed["metadata"]?["name"] = .string("other")
        #expect(Validation.validateUpdate(renamed, old: old, kind: Fixture.pod).contains(
            FieldCause(reason: "FieldValueInvalid", message: #"Invalid value: "other": field is immutable"#, field: "metadata.name")))
    }

    @Test("immutable fields of services, deployments, jobs and immutable config maps are enforced")
    func otherImmutability() {
        var service = Fixture.defaulted(Fixture.minimalService(), Fixture.service)
        service["spec"]?["clusterIP"] = .string("10.43.0.10")
        var changed = service
        changed["spec"]?["clusterIP"] = .string("10.43.0.11")
        #expect(Validation.validateUpdate(changed, old: service, kind: Fixture.service) == [
            FieldCause(reason: "FieldValueInvalid", message: #"Invalid value: "10.43.0.11": field is immutable"#, field: "spec.clusterIP")])
        let deployment = Fixture.defaulted(Fixture.minimalDeployment(), Fixture.deployment)
        let moved = Fixture.defaulted(Fixture.minimalDeployment(selector: "api", templateLabel: "api"), Fixture.deployment)
        let result = Validation.validateUpdate(moved, old: deployment, kind: Fixture.deployment)
        #expect(result == [FieldCause(reason: "FieldValueInvalid",
                                      message: #"Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#,
                                      field: "spec.selector")])
        let config = Fixture.json(#"{"metadata":{"name":"c"},"immutable":true,"data":{"a":"1"}}"#)
        let edited = Fixture.json(#"{"metadata":{"name":"c"},"immutable":true,"data":{"a":"2"}}"#)
        #expect(Validation.validateUpdate(edited, old: config, kind: Fixture.configMap) == [
            FieldCause(reason: "FieldValueForbidden", message: "Forbidden: field is immutable when `immutable` is set", field: "data")])
    }

    @Test("quantities compare across suffixes and reject non-decimal forms")
    func quantities() {
        #expect(ResourceAmount("1") == ResourceAmount("1000m"))
        #expect(ResourceAmount("1Gi")?.value == 1_073_741_824)
        #expect(ResourceAmount("1.5e3")?.value == 1500)
        #expect(ResourceAmount("0x10") == nil)
        #expect(ResourceAmount("nan") == nil)
        #expect(ResourceAmount("") == nil)
        let guaranteed = Fixture.json(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}"#)
        #expect(Fixture.defaulted(guaranteed, Fixture.pod).at("status.qosClass") == .string("Guaranteed"))
    }

    @Test("hostile shapes produce causes, never a crash")
    func hostileShapes() {
        for value: JSONValue in [.null, .array([]), .string("x"), .object(["metadata": .int(1), "spec": .array([])]),
                                 Fixture.json(#"{"metadata":{"name":7,"labels":[1]},"spec":{"containers":{"a":1},"volumes":"x"}}"#)] {
            for kind in [Fixture.pod, Fixture.service, Fixture.deployment, Fixture.job, Fixture.cronJob, Fixture.configMap, Fixture.secret] {
                var copy = value
                Defaulting.apply(to: &copy, kind: kind)
                _ = Validation.validateCreate(copy, kind: kind)
                _ = Validation.validateUpdate(copy, old: value, kind: kind)
                _ = Printers.cells(for: copy, kind: kind, now: Fixture.now)
            }
        }
    }
}
