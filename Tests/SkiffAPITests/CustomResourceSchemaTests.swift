import Foundation
import Testing
@testable import SkiffAPI

@Suite("Custom resource schemas: validation, defaulting, CRD rules", .timeLimit(.minutes(5)))
struct CustomResourceSchemaTests {
    let schema = """
    {"type":"object","properties":{
      "spec":{"type":"object","required":["cronSpec"],"properties":{
        "cronSpec":{"type":"string","pattern":"^(\\\\d+|\\\\*)(/\\\\d+)?(\\\\s+(\\\\d+|\\\\*)(/\\\\d+)?){4}$"},
        "image":{"type":"string","maxLength":10,"minLength":2},
        "replicas":{"type":"integer","minimum":1,"maximum":10,"default":1},
        "mode":{"type":"string","enum":["Fast","Slow"],"default":"Slow"},
        "port":{"x-kubernetes-int-or-string":true},
        "when":{"type":"string","format":"date-time"},
        "note":{"type":"string","nullable":true},
        "tags":{"type":"array","maxItems":2,"items":{"type":"string"},"x-kubernetes-list-type":"set"},
        "ports":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}},
                 "x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"]},
        "labels":{"type":"object","maxProperties":1,"additionalProperties":{"type":"string"}},
        "limits":{"type":"object","default":{},"properties":{"cpu":{"type":"string","default":"1"}}},
        "template":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}},
      "status":{"type":"object","properties":{"replicas":{"type":"integer"}}}}}
    """

    func causes(_ spec: String) throws -> [String] {
        let object = try json(#"{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"x"},"spec":\#(spec)}"#)
        return SchemaValidator.validate(object, schema: try json(schema)).map { "\($0.field): \($0.message)" }
    }

    @Test("a valid object has no causes")
    func valid() throws {
        #expect(try causes(#"{"cronSpec":"* * * * */5","image":"nginx","replicas":3,"port":"http","when":"2024-01-02T03:04:05Z","note":null,"tags":["a","b"],"ports":[{"name":"a","port":1},{"name":"b","port":1}],"template":{"apiVersion":"v1","kind":"Pod"}}"#) == [])
        #expect(try causes(#"{"cronSpec":"* * * * *","port":80}"#) == [])
    }

    @Test("types, required, int-or-string and nullable use kube-openapi's messages")
    func types() throws {
        #expect(try causes(#"{"cronSpec":"* * * * *","replicas":"three"}"#)
            == [#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#])
        #expect(try causes(#"{"image":"nginx"}"#) == ["spec.cronSpec: Required value"])
        #expect(try causes(#"{"cronSpec":"* * * * *","port":true}"#)
            == [#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#])
        #expect(try causes(#"{"cronSpec":"* * * * *","image":null}"#)
            == [#"spec.image: Invalid value: "null": spec.image in body must be of type string: "null""#])
    }

    @Test("bounds, patterns, formats and enums")
    func bounds() throws {
        #expect(try causes(#"{"cronSpec":"* * * *","replicas":15}"#) == [
            #"spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'"#,
            "spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10",
        ])
        #expect(try causes(#"{"cronSpec":"* * * * *","replicas":0}"#)
            == ["spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"])
        #expect(try causes(#"{"cronSpec":"* * * * *","image":"averyveryverylongimage"}"#)
            == ["spec.image: Too long: may not be more than 10 bytes"])
        #expect(try causes(#"{"cronSpec":"* * * * *","image":"a"}"#)
            == [#"spec.image: Invalid value: "a": spec.image in body should be at least 2 chars long"#])
        #expect(try causes(#"{"cronSpec":"* * * * *","mode":"Medium"}"#)
            == [#"spec.mode: Unsupported value: "Medium": supported values: "Fast", "Slow""#])
        #expect(try causes(#"{"cronSpec":"* * * * *","when":"yesterday"}"#)
            == [#"spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday""#])
        #expect(try causes(#"{"cronSpec":"* * * * *","tags":["a","b","c"]}"#).first
            == "spec.tags: Too many: 3: must have at most 2 items")
        #expect(try causes(#"{"cronSpec":"* * * * *","labels":{"a":"1","b":"2"}}"#)
            == ["spec.labels: Too many: 2: must have at most 1 items"])
    }

    @Test("list types and embedded resources")
    func lists() throws {
        #expect(try causes(#"{"cronSpec":"* * * * *","tags":["a","a"]}"#) == [#"spec.tags[1]: Duplicate value: "a""#])
        #expect(try causes(#"{"cronSpec":"* * * * *","ports":[{"name":"a"},{"name":"a","port":2}]}"#)
            == [#"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"a"}"#])
        #expect(try causes(#"{"cronSpec":"* * * * *","template":{"kind":"Pod"}}"#)
            == ["spec.template.apiVersion: Required value: must not be empty"])
        #expect(try causes(#"{"cronSpec":"* * * * *","labels":{"a":1}}"#)
            == [#"spec.labels[a]: Invalid value: "integer": spec.labels[a] in body must be of type string: "integer""#])
    }

    @Test("defaults fill absent fields top-down and replace non-nullable nulls")
    func defaults() throws {
        var object = try json(#"{"spec":{"cronSpec":"* * * * *","mode":null}}"#)
        SchemaDefaulter.apply(&object, schema: try json(schema))
        #expect(object == (try json(#"{"spec":{"cronSpec":"* * * * *","replicas":1,"mode":"Slow","limits":{"cpu":"1"}}}"#)))
        var explicit = try json(#"{"spec":{"cronSpec":"x","replicas":5,"limits":{"cpu":"2"}}}"#)
        SchemaDefaulter.apply(&explicit, schema: try json(schema))
        #expect(explicit["spec"]?["replicas"] == .int(5))
        #expect(explicit["spec"]?["limits"]?["cpu"] == .string("2"))
    }

    func crd(_ edit: (inout JSONValue) -> Void = { _ in }) throws -> JSONValue {
        var crd = try json("""
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"crontabs.stable.example.com"},
         "spec":{"group":"stable.example.com","scope":"Namespaced","names":{"plural":"crontabs","kind":"CronTab","shortNames":["ct"]},
          "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":\(schema)}}]}}
        """)
        CRDValidation.applyDefaults(&crd)
        edit(&crd)
        return crd
    }

    func crdCauses(_ crd: JSONValue) -> [String] { CRDValidation.validate(crd).map { "\($0.field): \($0.message)" } }

    @Test("a CRD is defaulted and valid")
    func validCRD() throws {
        let c = try crd()
        #expect(crdCauses(c) == [])
        #expect(c["spec"]?["names"]?["singular"] == .string("crontab"))
        #expect(c["spec"]?["names"]?["listKind"] == .string("CronTabList"))
        #expect(c["spec"]?["conversion"]?["strategy"] == .string("None"))
    }

    @Test("CRD names, group, scope and storage versions are checked as upstream")
    func invalidCRD() throws {
        #expect(crdCauses(try crd { $0["metadata"] = .object(["name": .string("tabs.stable.example.com")]) })
            == [#"metadata.name: Invalid value: "tabs.stable.example.com": must be spec.names.plural+"."+spec.group"#])
        #expect(crdCauses(try crd { c in
            c["metadata"] = .object(["name": .string("crontabs.example")])
            var spec = c["spec"]!
            spec["group"] = .string("example")
            c["spec"] = spec
        }) == [#"spec.group: Invalid value: "example": should be a domain with at least one dot"#])
        #expect(crdCauses(try crd { c in
            var spec = c["spec"]!
            spec["scope"] = .string("Global")
            c["spec"] = spec
        }) == [#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#])
        let twoStorage = crdCauses(try crd { c in
            var spec = c["spec"]!
            var v2 = spec["versions"]!.arrayValue![0]
            v2["name"] = .string("v2")
            spec["versions"] = .array([spec["versions"]!.arrayValue![0], v2])
            c["spec"] = spec
        })
        #expect(twoStorage.count == 1)
        #expect(twoStorage.first?.hasSuffix("must have exactly one version marked as storage version") == true)
    }

    @Test("schemas are required and must be structural")
    func structural() throws {
        #expect(crdCauses(try crd { c in
            var spec = c["spec"]!
            spec["versions"] = .array([.object(["name": .string("v1"), "served": .bool(true), "storage": .bool(true)])])
            c["spec"] = spec
        }) == ["spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"])
        let nonStructural = try json(#"{"type":"object","properties":{"spec":{"properties":{"a":{"type":"string"}}}}}"#)
        #expect(crdCauses(try crd { c in
            var spec = c["spec"]!
            spec["versions"] = .array([.object(["name": .string("v1"), "served": .bool(true), "storage": .bool(true),
                                                "schema": .object(["openAPIV3Schema": nonStructural])])])
            c["spec"] = spec
        }) == ["spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"])
    }

    @Test("printer columns read JSONPaths and print dates as ages")
    func columns() throws {
        let columns = CustomResourceColumns(additionalPrinterColumns: try json("""
        [{"name":"Spec","type":"string","jsonPath":".spec.cronSpec"},{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"},
         {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\\"Ready\\")].status"},
         {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]
        """).arrayValue)
        let now = Date(timeIntervalSince1970: 1_700_000_100)
        let object = try json("""
        {"metadata":{"name":"a","creationTimestamp":"\(KubeTime.format(Date(timeIntervalSince1970: 1_700_000_000)))"},
         "spec":{"cronSpec":"* * * * *","replicas":3},"status":{"conditions":[{"type":"Ready","status":"True"}]}}
        """)
        #expect(columns.tableColumns.map(\.name) == ["Name", "Spec", "Replicas", "Ready", "Age"])
        #expect(columns.cells(object, now: now) == [.string("a"), .string("* * * * *"), .int(3), .string("True"), .string("100s")])
        #expect(CustomResourceColumns(additionalPrinterColumns: nil).tableColumns.map(\.name) == ["Name", "Age"])
    }
}
