import Testing
@testable import SkiffAPI

@Suite("Update carry-over and other kinds", .timeLimit(.minutes(5)))
struct UpdateAndRBACTests {
    private let rbac = "rbac.authorization.k8s.io"

    @Test("replacing a service without its cluster IP and node ports keeps the allocated ones")
    func serviceReplaceKeepsAllocations() {
        let old = Fixture.json(#"""
        {"metadata":{"name":"s"},"spec":{"type":"NodePort","clusterIP":"10.43.0.20","clusterIPs":["10.43.0.20"],
         "ports":[{"port":80,"protocol":"TCP","targetPort":80,"nodePort":30080}],"sessionAffinity":"None"}}
        """#)
        var replacement = Fixture.json(#"{"metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"port":80}]}}"#)
        Defaulting.applyForUpdate(to: &replacement, old: old, kind: Fixture.service)
        #expect(replacement.at("spec.clusterIP") == .string("10.43.0.20"))
        #expect(replacement.at("spec.clusterIPs") == .array([.string("10.43.0.20")]))
        #expect(replacement.at("spec.ports.0.nodePort") == .int(30080))
        #expect(Validation.validateUpdate(replacement, old: old, kind: Fixture.service).isEmpty)
    }

    @Test("replacing a namespace keeps its finalizers")
    func namespaceKeepsFinalizers() {
        let old = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"team"}}"#), Fixture.namespace)
        var replacement = Fixture.json(#"{"metadata":{"name":"team"},"spec":{"finalizers":[]}}"#)
        Defaulting.applyForUpdate(to: &replacement, old: old, kind: Fixture.namespace)
        #expect(replacement.at("spec.finalizers") == .array([.string("kubernetes")]))
    }

    @Test("persistent volume claims need access modes and a storage request")
    func claims() {
        let kind = GroupVersionKind(group: "", version: "v1", kind: "PersistentVolumeClaim")
        let empty = Validation.validateCreate(Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"c"},"spec":{}}"#), kind), kind: kind)
        #expect(empty == [
            FieldCause(reason: "FieldValueRequired", message: "Required value: at least 1 access mode is required", field: "spec.accessModes"),
            FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.resources.requests[storage]"),
        ])
        let ok = Fixture.json(#"{"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#)
        #expect(Validation.validateCreate(Fixture.defaulted(ok, kind), kind: kind).isEmpty)
        var resized = Fixture.defaulted(ok, kind)
        resized["spec"]?["resources"] = .object(["requests": .object(["storage": .string("2Gi")])])
        #expect(Validation.validateUpdate(resized, old: Fixture.defaulted(ok, kind), kind: kind).isEmpty)
        var remoded = Fixture.defaulted(ok, kind)
        remoded["spec"]?["accessModes"] = .array([.string("ReadWriteMany")])
        #expect(Validation.validateUpdate(remoded, old: Fixture.defaulted(ok, kind), kind: kind).map(\.field) == ["spec"])
    }

    @Test("roles need verbs, groups and resources; bindings a valid roleRef and subjects")
    func rbacObjects() {
        let role = GroupVersionKind(group: rbac, version: "v1", kind: "Role")
        let bad = Fixture.json(#"{"metadata":{"name":"r"},"rules":[{"resources":["pods"]}]}"#)
        #expect(Validation.validateCreate(bad, kind: role) == [
            FieldCause(reason: "FieldValueRequired", message: "Required value: verbs must contain at least one value", field: "rules[0].verbs"),
            FieldCause(reason: "FieldValueRequired", message: "Required value: resource rules must supply at least one api group", field: "rules[0].apiGroups"),
        ])
        let good = Fixture.json(#"{"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}"#)
        #expect(Validation.validateCreate(good, kind: role).isEmpty)
        let bindingKind = GroupVersionKind(group: rbac, version: "v1", kind: "RoleBinding")
        var binding = Fixture.json(#"""
        {"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},
         "subjects":[{"kind":"User","name":"alice"},{"kind":"ServiceAccount","name":"default","namespace":"ns"}]}
        """#)
        Defaulting.apply(to: &binding, kind: bindingKind)
        #expect(binding.at("subjects.0.apiGroup") == .string("rbac.authorization.k8s.io"))
        #expect(binding.at("subjects.1.apiGroup") == .string(""))
        #expect(Validation.validateCreate(binding, kind: bindingKind).isEmpty)
        let row = Printers.cells(for: binding, kind: bindingKind, now: Fixture.now)
        #expect(row == [.string("b"), .string("Role/r"), .string("<unknown>"), .string("alice"), .string(""), .string("ns:default")])
    }

    @Test("ingress paths need a path type")
    func ingress() {
        let kind = GroupVersionKind(group: "networking.k8s.io", version: "v1", kind: "Ingress")
        let value = Fixture.json(#"{"metadata":{"name":"i"},"spec":{"rules":[{"host":"example.com","http":{"paths":[{"path":"/","backend":{"service":{"name":"s","port":{"number":80}}}}]}}]}}"#)
        #expect(Validation.validateCreate(value, kind: kind) == [
            FieldCause(reason: "FieldValueRequired", message: "Required value: pathType must be specified", field: "spec.rules[0].http.paths[0].pathType")])
        #expect(Printers.cells(for: value, kind: kind, now: Fixture.now) == [
            .string("i"), .string("<none>"), .string("example.com"), .string(""), .string("80"), .string("<unknown>")])
    }
}
