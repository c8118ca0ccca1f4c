import Testing
@testable import SkiffAPI

@Suite("Pruning unknown fields", .timeLimit(.minutes(5)))
struct PruningTests {
    @Test("built-in objects lose exactly the fields strict validation reports")
    func builtIn() throws {
        let object = try json("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","bogus":1,"labels":{"a":"b"}},
         "spec":{"foo":1,"containers":[{"name":"a","image":"x","bar":2}]}}
        """)
        #expect(SchemaCatalog.shared.pruned(object, kind: podKind) == (try json("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},
         "spec":{"containers":[{"name":"a","image":"x"}]}}
        """)))
    }

    let widgetSchema = """
    {"type":"object","properties":{
      "spec":{"type":"object","properties":{"size":{"type":"integer"},
        "items":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"}}}},
        "labels":{"type":"object","additionalProperties":{"type":"string"}},
        "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
        "template":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object"}}}}},
      "status":{"type":"object","properties":{"ready":{"type":"boolean"}}}}}
    """

    @Test("custom resources are checked and pruned against their structural schema")
    func customResource() throws {
        let schema = try json(widgetSchema)
        let object = try json("""
        {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","oops":1},
         "spec":{"size":3,"colour":"red","items":[{"name":"a","extra":true}],"labels":{"x":"y"},
          "free":{"anything":{"goes":1}},"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"t"},"spec":{},"junk":1}},
         "status":{"ready":true},"top":1}
        """)
        #expect(StructuralSchema.unknownFields(in: object, schema: schema)
            == ["metadata.oops", "spec.colour", "spec.items[0].extra", "spec.template.junk", "top"])
        let pruned = StructuralSchema.pruned(object, schema: schema)
        #expect(StructuralSchema.unknownFields(in: pruned, schema: schema).isEmpty)
        #expect(pruned["spec"]?["free"] == (try json(#"{"anything":{"goes":1}}"#)))
        #expect(pruned["metadata"] == (try json(#"{"name":"w"}"#)))
    }
}
