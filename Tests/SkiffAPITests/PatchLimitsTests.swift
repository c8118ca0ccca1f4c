import Testing
@testable import SkiffAPI

@Suite("JSON patch limits (operations, copy size, depth)", .timeLimit(.minutes(5)))
struct PatchLimitsTests {
    @Test("more operations than the limit fail as too large before any applies")
    func operationCount() throws {
        let doc = try json(#"{"a":1}"#)
        let op = try json(#"{"op":"test","path":"/a","value":1}"#)
        var limits = JSONPatch.Limits()
        limits.maxOperations = 3
        _ = try JSONPatch.apply(.array(Array(repeating: op, count: 3)), to: doc, limits: limits)
        let failure = patchFailure { () throws(PatchError) in
            try JSONPatch.apply(.array(Array(repeating: op, count: 4)), to: doc, limits: limits)
        }
        #expect(failure?.reason == .tooLarge)
        #expect(failure?.message == "The allowed maximum operations in a JSON patch is 3, got 4")
        #expect(JSONPatch.Limits.default.maxOperations == 10_000)
    }

    @Test("copies count their serialized size against the accumulated copy limit")
    func copySize() throws {
        let doc = try json(#"{"s":"0123456789","t":{}}"#)  // "0123456789" serializes to 12 bytes
        var limits = JSONPatch.Limits()
        limits.maxCopyBytes = 24
        let twice = try json(#"[{"op":"copy","from":"/s","path":"/t/a"},{"op":"copy","from":"/s","path":"/t/b"}]"#)
        _ = try JSONPatch.apply(twice, to: doc, limits: limits)
        let thrice = try json(#"[{"op":"copy","from":"/s","path":"/t/a"},{"op":"copy","from":"/s","path":"/t/b"},{"op":"copy","from":"/s","path":"/t/c"}]"#)
        let failure = patchFailure { () throws(PatchError) in try JSONPatch.apply(thrice, to: doc, limits: limits) }
        #expect(failure?.reason == .invalid)
        #expect(failure?.message.contains("accumulated size increase of copy is 36, exceeding the limit 24") == true)
        #expect(JSONPatch.Limits.default.maxCopyBytes == 3 * 1024 * 1024)
    }

    @Test("a doubling copy bomb stops at the default copy limit")
    func copyBomb() throws {
        let doc = try json(#"{"a":["\#(String(repeating: "x", count: 1000))"]}"#)
        var ops: [JSONValue] = []
        for _ in 0..<64 { ops.append(try json(#"{"op":"copy","from":"/a","path":"/a/-"}"#)) }
        let failure = patchFailure { () throws(PatchError) in try JSONPatch.apply(.array(ops), to: doc) }
        #expect(failure?.message.contains("accumulated size increase of copy") == true)
    }

    @Test("no operation may nest the document deeper than the depth limit")
    func depth() throws {
        var limits = JSONPatch.Limits()
        limits.maxDepth = 4
        let doc = try json(#"{"a":{"b":{}}}"#)  // depth 3
        _ = try JSONPatch.apply(try json(#"[{"op":"add","path":"/a/b/c","value":1}]"#), to: doc, limits: limits)
        _ = try JSONPatch.apply(try json(#"[{"op":"add","path":"/a/b/c","value":{}}]"#), to: doc, limits: limits)
        let tooDeep = try json(#"[{"op":"add","path":"/a/b/c","value":{"d":{}}}]"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(tooDeep, to: doc, limits: limits) }?.reason == .invalid)
        // Copying a subtree into its own leaf doubles the depth: refused once past the limit.
        let selfCopy = try json(#"[{"op":"copy","from":"/a","path":"/a/b/c"}]"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(selfCopy, to: doc, limits: limits) }?.reason == .invalid)
        let move = try json(#"[{"op":"add","path":"/x","value":{"y":{"z":{}}}},{"op":"move","from":"/x","path":"/a/b/c"}]"#)
        #expect(patchFailure { () throws(PatchError) in try JSONPatch.apply(move, to: doc, limits: limits) }?.reason == .invalid)
    }

    @Test("nesting depth is counted without descending past the limit")
    func nestingDepth() throws {
        #expect(JSONValue.string("x").nestingDepth(upTo: 10) == 0)
        #expect(try json(#"{"a":[{}]}"#).nestingDepth(upTo: 10) == 3)
        let deep = try json(String(repeating: "[", count: 900) + String(repeating: "]", count: 900))
        #expect(deep.nestingDepth(upTo: 5) == 5)
        #expect(deep.nestingDepth(upTo: 1000) == 900)
    }
}
