import Testing
@testable import SkiffAPI

@Suite("Strict field validation", .timeLimit(.minutes(5)))
struct UnknownFieldsTests {
    let catalog = SchemaCatalog.shared

    @Test("unknown fields are reported with Kubernetes' paths, including list indexes")
    func reportsPaths() throws {
        let object = try json("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"any-key":"v"}},
         "spec":{"foo":1,"selector":{"matchLabels":{"app":"web"}},
          "template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","imagee":"y","bar":{}}]}}}}
        """)
        #expect(catalog.unknownFields(in: object, kind: deploymentKind)
            == ["spec.foo", "spec.template.spec.containers[1].bar", "spec.template.spec.containers[1].imagee"])
    }

    @Test("metadata is checked, but labels, annotations and managedFields contents are free")
    func metadata() throws {
        let object = try json("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","bogus":true,"annotations":{"x/y":"z"},
          "managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{"f:containers":{}}}}]},
         "spec":{"containers":[{"name":"a","image":"x","resources":{"limits":{"cpu":"1"}}}]}}
        """)
        #expect(catalog.unknownFields(in: object, kind: podKind) == ["metadata.bogus"])
    }

    @Test("field names are case-sensitive like Kubernetes' decoder")
    func caseSensitive() throws {
        let object = try json(#"{"apiVersion":"v1","kind":"ConfigMap","Data":{"a":"b"}}"#)
        #expect(catalog.unknownFields(in: object, kind: GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")) == ["Data"])
    }

    @Test("a valid object and custom resources report nothing")
    func nothingToReport() throws {
        let pod = try json(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"x"}]}}"#)
        #expect(catalog.unknownFields(in: pod, kind: podKind).isEmpty)
        let widget = try json(#"{"apiVersion":"example.com/v1","kind":"Widget","spec":{"anything":1}}"#)
        #expect(catalog.unknownFields(in: widget, kind: GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")).isEmpty)
    }

    @Test("values of maps of structures are checked under their key")
    func mapValues() throws {
        let crd = try json("""
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
         "spec":{"group":"example.com","names":{"plural":"widgets","kind":"Widget"},"scope":"Namespaced",
          "versions":[{"name":"v1","served":true,"storage":true,
            "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","typo":1}}}}}]}}
        """)
        let kind = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
        #expect(catalog.unknownFields(in: crd, kind: kind) == ["spec.versions[0].schema.openAPIV3Schema.properties.spec.typo"])
    }

    @Test("messages have Kubernetes' strict decoding form")
    func messages() {
        #expect(SchemaCatalog.strictDecodingMessage(unknownFields: ["spec.foo", "spec.bar"])
            == #"strict decoding error: unknown field "spec.foo", unknown field "spec.bar""#)
        #expect(SchemaCatalog.unknownFieldWarnings(["spec.foo"]) == [#"unknown field "spec.foo""#])
    }

    @Test("JSON values convert to and from generated types")
    func coding() throws {
        let value = try json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"}}"#)
        let cm = try APICoding.decode(CoreV1.ConfigMap.self, from: value)
        #expect(cm.data == ["a": "b"])
        #expect(try APICoding.encode(cm) == value)
    }
}
