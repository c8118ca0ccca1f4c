import Testing
@testable import SkiffAPI

@Suite("JSON patch (RFC 6902)", .timeLimit(.minutes(5)))
struct JSONPatchTests {
    @Test("add, remove and replace change the document in order")
    func basicOperations() throws {
        let doc = try json(#"{"metadata":{"labels":{"a":"1"}},"spec":{"list":[1,2]}}"#)
        let patch = try json("""
        [{"op":"add","path":"/metadata/labels/b","value":"2"},
         {"op":"remove","path":"/metadata/labels/a"},
         {"op":"replace","path":"/spec/list/0","value":10},
         {"op":"add","path":"/spec/list/-","value":3},
         {"op":"add","path":"/spec/list/1","value":5}]
        """)
        let result = try JSONPatch.apply(patch, to: doc)
        #expect(result == (try json(#"{"metadata":{"labels":{"b":"2"}},"spec":{"list":[10,5,2,3]}}"#)))
    }

    @Test("~1 and ~0 escapes address keys containing / and ~")
    func escapes() throws {
        let doc = try json(#"{"metadata":{"annotations":{"example.com/a~b":"x"}}}"#)
        let patch = try json(#"[{"op":"replace","path":"/metadata/annotations/example.com~1a~0b","value":"y"}]"#)
        #expect(try JSONPatch.apply(patch, to: doc) == (try json(#"{"metadata":{"annotations":{"example.com/a~b":"y"}}}"#)))
    }

    @Test("move and copy take values from another path")
    func moveAndCopy() throws {
        let doc = try json(#"{"a":{"x":1},"b":{}}"#)
        let patch = try json(#"[{"op":"copy","from":"/a/x","path":"/b/y"},{"op":"move","from":"/a","path":"/c"}]"#)
        #expect(try JSONPatch.apply(patch, to: doc) == (try json(#"{"b":{"y":1},"c":{"x":1}}"#)))
    }

    @Test("test passes on equal values (1 equals 1.0) and fails otherwise")
    func testOperation() throws {
        let doc = try json(#"{"spec":{"replicas":1}}"#)
        _ = try JSONPatch.apply(try json(#"[{"op":"test","path":"/spec/replicas","value":1.0}]"#), to: doc)
        let failing = try json(#"[{"op":"test","path":"/spec/replicas","value":2}]"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(failing, to: doc) }?.reason == .invalid)
    }

    @Test("operations on missing paths and malformed patches fail with the right reason")
    func failures() throws {
        let doc = try json(#"{"a":[1]}"#)
        let removeMissing = try json(#"[{"op":"remove","path":"/b"}]"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(removeMissing, to: doc) }?.reason == .invalid)
        let outOfRange = try json(#"[{"op":"replace","path":"/a/5","value":1}]"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(outOfRange, to: doc) }?.reason == .invalid)
        let notArray = try json(#"{"op":"add"}"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(notArray, to: doc) }?.reason == .badRequest)
        let unknownOp = try json(#"[{"op":"frobnicate","path":"/a"}]"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(unknownOp, to: doc) }?.reason == .badRequest)
    }
}

@Suite("JSON merge patch (RFC 7386)", .timeLimit(.minutes(5)))
struct MergePatchTests {
    @Test("objects merge recursively, null removes, arrays and scalars replace")
    func rfcSemantics() throws {
        let doc = try json(#"{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"list":[1,2],"replicas":1}}"#)
        let patch = try json(#"{"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"list":[3],"replicas":2}}"#)
        #expect(MergePatch.apply(patch, to: doc)
            == (try json(#"{"metadata":{"labels":{"b":"2","c":"3"}},"spec":{"list":[3],"replicas":2}}"#)))
    }

    @Test("RFC 7386 appendix examples")
    func appendix() throws {
        #expect(MergePatch.apply(try json(#"{"a":"c"}"#), to: try json(#"{"a":"b"}"#)) == (try json(#"{"a":"c"}"#)))
        #expect(MergePatch.apply(try json(#"{"a":[1]}"#), to: try json(#"{"a":[{"b":"c"}]}"#)) == (try json(#"{"a":[1]}"#)))
        #expect(MergePatch.apply(try json(#"["c"]"#), to: try json(#"{"a":"foo"}"#)) == (try json(#"["c"]"#)))
        #expect(MergePatch.apply(try json(#"{"a":{"bb":{"ccc":null}}}"#), to: try json(#"{}"#)) == (try json(#"{"a":{"bb":{}}}"#)))
        #expect(MergePatch.apply(try json(#"{"a":"b"}"#), to: try json(#"["c"]"#)) == (try json(#"{"a":"b"}"#)))
    }
}
