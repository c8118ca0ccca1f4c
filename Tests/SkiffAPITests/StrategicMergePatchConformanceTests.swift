import Testing
@testable import SkiffAPI

/// Cases from apimachinery's strategicpatch tests (their `MergeItem` test type), rewritten as JSON:
/// applying the two-way patch to the original must give the modified document, or fail.
@Suite("Strategic merge patch conformance", .timeLimit(.minutes(5)))
struct StrategicMergePatchConformanceTests {
    static let mergeItemKind = GroupVersionKind(group: "test.skiff.dev", version: "v1", kind: "MergeItem")

    /// A catalog holding only apimachinery's MergeItem and RetainKeysMergeItem test types.
    static let catalog: SchemaCatalog = {
        func p(_ name: String, _ type: String, _ ext: String = "") -> String { "p \(name)\t\(type)\t\(ext)\t" }
        let lines = [
            "@test.v1.MergeItem", "k object", "g test.skiff.dev\tv1\tMergeItem",
            p("name", "string"), p("value", "string"), p("other", "string"),
            p("mergingList", "[#test.v1.MergeItem", "ps=merge;mk=name"),
            p("nonMergingList", "[#test.v1.MergeItem"),
            p("mergingIntList", "[integer:int64", "ps=merge"),
            p("nonMergingIntList", "[integer:int64"),
            p("mergeItemPtr", "#test.v1.MergeItem", "ps=merge;mk=name"),
            p("simpleMap", "{string"),
            p("replacingItem", "any", "ps=replace"),
            p("retainKeysMap", "#test.v1.RetainKeysMergeItem", "ps=retainKeys"),
            p("retainKeysMergingList", "[#test.v1.MergeItem", "ps=merge+retainKeys;mk=name"),
            "@test.v1.RetainKeysMergeItem", "k object",
            p("name", "string"), p("value", "string"), p("other", "string"), p("simpleMap", "{string"),
            p("mergingIntList", "[integer:int64", "ps=merge"),
            p("mergingList", "[#test.v1.MergeItem", "ps=merge;mk=name"),
            p("nonMergingList", "[#test.v1.MergeItem"),
        ]
        return SchemaCatalog(sources: [lines.joined(separator: "\n")])
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        var description: String
        var original: String
        var patch: String
        var expected: String?
        var error: String?
        var testDescription: String { description }
    }

    static let cases: [Case] = [
        Case(description: "unique scalars when merging lists", original: #"{"mergingIntList":[1,2]}"#,
             patch: #"{"mergingIntList":[2,3]}"#, expected: #"{"mergingIntList":[1,2,3]}"#),
        Case(description: "delete map from nested map", original: #"{"simpleMap":{"key1":"1","key2":"1"}}"#,
             patch: #"{"simpleMap":{"$patch":"delete"}}"#, expected: #"{"simpleMap":{}}"#),
        Case(description: "delete all items from merging list", original: #"{"mergingList":[{"name":"1"},{"name":"2"}]}"#,
             patch: #"{"mergingList":[{"$patch":"replace"}]}"#, expected: #"{"mergingList":[]}"#),
        Case(description: "merge empty merging lists", original: #"{"mergingList":[]}"#,
             patch: #"{"mergingList":[]}"#, expected: #"{"mergingList":[]}"#),
        Case(description: "delete all keys from map", original: #"{"name":"1","value":"1"}"#,
             patch: #"{"$patch":"replace"}"#, expected: "{}"),
        Case(description: "add key and delete all keys from map", original: #"{"name":"1","value":"1"}"#,
             patch: #"{"other":"a","$patch":"replace"}"#, expected: #"{"other":"a"}"#),
        Case(description: "delete all duplicate entries in a merging list",
             original: #"{"mergingList":[{"name":"1"},{"name":"1"},{"name":"2","value":"a"},{"name":"3"},{"name":"3"}]}"#,
             patch: #"{"mergingList":[{"name":"1","$patch":"delete"},{"name":"3","$patch":"delete"}]}"#,
             expected: #"{"mergingList":[{"name":"2","value":"a"}]}"#),
        Case(description: "retainKeys map can add a field when no retainKeys directive present",
             original: #"{"retainKeysMap":{"name":"foo"}}"#, patch: #"{"retainKeysMap":{"value":"bar"}}"#,
             expected: #"{"retainKeysMap":{"name":"foo","value":"bar"}}"#),
        Case(description: "retainKeys list can delete a field when no retainKeys directive present",
             original: #"{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}"#,
             patch: #"{"retainKeysMergingList":[{"name":"foo","value":null}]}"#,
             expected: #"{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}"#),
        Case(description: "preserve the order from the patch in a merging list",
             original: #"{"mergingList":[{"name":"1"},{"name":"2","value":"b"},{"name":"3"}]}"#,
             patch: #"{"mergingList":[{"name":"3","value":"c"},{"name":"1","value":"a"},{"name":"2","other":"x"}]}"#,
             expected: #"{"mergingList":[{"name":"3","value":"c"},{"name":"1","value":"a"},{"name":"2","value":"b","other":"x"}]}"#),
        Case(description: "preserve the order from the patch in a merging list 2",
             original: #"{"mergingList":[{"name":"1"},{"name":"2","value":"b"},{"name":"3"}]}"#,
             patch: #"{"mergingList":[{"name":"3","value":"c"},{"name":"1","value":"a"}]}"#,
             expected: #"{"mergingList":[{"name":"2","value":"b"},{"name":"3","value":"c"},{"name":"1","value":"a"}]}"#),
        Case(description: "preserve the order from the patch in a merging int list", original: #"{"mergingIntList":[1,2,3]}"#,
             patch: #"{"mergingIntList":[3,1,2]}"#, expected: #"{"mergingIntList":[3,1,2]}"#),
        Case(description: "preserve the order from the patch in a merging int list 2", original: #"{"mergingIntList":[1,2,3]}"#,
             patch: #"{"mergingIntList":[3,1]}"#, expected: #"{"mergingIntList":[2,3,1]}"#),
        Case(description: "$setElementOrder contains an item not present in the list to be merged",
             original: #"{"mergingList":[{"name":"1"},{"name":"3"}]}"#,
             patch: #"{"$setElementOrder/mergingList":[{"name":"3"},{"name":"2"},{"name":"1"}],"mergingList":[{"name":"3","value":"3"},{"name":"1","value":"1"}]}"#,
             expected: #"{"mergingList":[{"name":"3","value":"3"},{"name":"1","value":"1"}]}"#),
        Case(description: "$setElementOrder contains an item not present in the int list to be merged",
             original: #"{"mergingIntList":[1,3]}"#, patch: #"{"$setElementOrder/mergingIntList":[3,2,1]}"#,
             expected: #"{"mergingIntList":[3,1]}"#),
        Case(description: "the order in $setElementOrder and the patch list must match",
             original: #"{"mergingList":[{"name":"1"},{"name":"3"},{"name":"2"}]}"#,
             patch: #"{"$setElementOrder/mergingList":[{"name":"1"},{"name":"2"},{"name":"3"}],"mergingList":[{"name":"3","value":"3"},{"name":"1","value":"1"}]}"#,
             error: "doesn't match"),
        Case(description: "the order in $setElementOrder and the int patch list must match", original: #"{"mergingIntList":[1,3,2]}"#,
             patch: #"{"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3,1]}"#, error: "doesn't match"),
        Case(description: "missing merge key errors out", original: #"{"mergingList":[{"name":"1","value":"a"}]}"#,
             patch: #"{"mergingList":[{"value":"b"}]}"#, error: "does not contain declared merge key"),
        Case(description: "$deleteFromPrimitiveList of a nonexistent item does not add it", original: #"{"mergingIntList":[1,2]}"#,
             patch: #"{"$deleteFromPrimitiveList/mergingIntList":[3]}"#, expected: #"{"mergingIntList":[1,2]}"#),
        Case(description: "$deleteFromPrimitiveList on an empty list does not add the item", original: #"{"mergingIntList":null}"#,
             patch: #"{"$deleteFromPrimitiveList/mergingIntList":[3]}"#, expected: #"{"mergingIntList":null}"#),
        Case(description: "$deleteFromPrimitiveList on a nonexistent list does not add the list", original: #"{"foo":["bar"]}"#,
             patch: #"{"$deleteFromPrimitiveList/mergingIntList":[3]}"#, expected: #"{"foo":["bar"]}"#),
        Case(description: "$deleteFromPrimitiveList deletes from a list with merge strategy", original: #"{"mergingIntList":[1,2,3]}"#,
             patch: #"{"$deleteFromPrimitiveList/mergingIntList":[2]}"#, expected: #"{"mergingIntList":[1,3]}"#),
        Case(description: "$deleteFromPrimitiveList deletes from a list without merge strategy", original: #"{"nonMergingIntList":[1,2,3]}"#,
             patch: #"{"$deleteFromPrimitiveList/nonMergingIntList":[2]}"#, expected: #"{"nonMergingIntList":[1,3]}"#),
        Case(description: "add field and delete field from map", original: #"{"name":"1"}"#,
             patch: #"{"name":null,"value":"1"}"#, expected: #"{"value":"1"}"#),
        Case(description: "delete field from nested map", original: #"{"simpleMap":{"key1":"1","key2":"1"}}"#,
             patch: #"{"simpleMap":{"key2":null}}"#, expected: #"{"simpleMap":{"key1":"1"}}"#),
        Case(description: "replace list of scalars", original: #"{"nonMergingIntList":[1,2]}"#,
             patch: #"{"nonMergingIntList":[2,3]}"#, expected: #"{"nonMergingIntList":[2,3]}"#),
        Case(description: "delete all maps from merging list", original: #"{"mergingList":[{"name":"1"},{"name":"2"}]}"#,
             patch: #"{"mergingList":[{"name":"1","$patch":"delete"},{"name":"2","$patch":"delete"}]}"#, expected: #"{"mergingList":[]}"#),
        Case(description: "defined null values remove fields", original: #"{"name":"2"}"#,
             patch: #"{"name":"1","value":"1","other":null}"#, expected: #"{"name":"1","value":"1"}"#),
        Case(description: "nested patch merge with empty list", original: #"{"name":"hi"}"#,
             patch: #"{"mergingList":[{"name":"hello"},{"$patch":"delete","name":"doesntexist"}]}"#,
             expected: #"{"name":"hi","mergingList":[{"name":"hello"}]}"#),
        Case(description: "three-way: nested patch merge keeps server-only elements after patch elements",
             original: #"{"name":"hi","mergingList":[{"name":"hello2"}]}"#,
             patch: #"{"$setElementOrder/mergingList":[{"name":"hello"},{"name":"doesntexist"}],"mergingList":[{"name":"hello"},{"$patch":"delete","name":"doesntexist"}]}"#,
             expected: #"{"name":"hi","mergingList":[{"name":"hello"},{"name":"hello2"}]}"#),
        Case(description: "three-way: delete items in lists of scalars", original: #"{"mergingIntList":[1,2,3,4]}"#,
             patch: #"{"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]}"#,
             expected: #"{"mergingIntList":[1,2,4]}"#),
        Case(description: "add and delete items in lists of scalars", original: #"{"mergingIntList":[1,2,3]}"#,
             patch: #"{"$setElementOrder/mergingIntList":[1,2,4],"$deleteFromPrimitiveList/mergingIntList":[3],"mergingIntList":[4]}"#,
             expected: #"{"mergingIntList":[1,2,4]}"#),
        Case(description: "merge lists of maps", original: #"{"mergingList":[{"name":"1"},{"name":"2","value":"2"}]}"#,
             patch: #"{"$setElementOrder/mergingList":[{"name":"4"},{"name":"1"},{"name":"2"},{"name":"3"}],"mergingList":[{"name":"4","value":"4"},{"name":"3","value":"3"}]}"#,
             expected: #"{"mergingList":[{"name":"4","value":"4"},{"name":"1"},{"name":"2","value":"2"},{"name":"3","value":"3"}]}"#),
    ]

    @Test("apimachinery cases", arguments: cases)
    func apimachineryCase(_ c: Case) throws {
        let original = try json(c.original)
        let patch = try json(c.patch)
        do {
            let result = try StrategicMergePatch.apply(patch, to: original, kind: Self.mergeItemKind, catalog: Self.catalog)
            if let expected = c.expected {
                #expect(result == (try json(expected)))
            } else {
                Issue.record("expected an error containing \"\(c.error ?? "")\", got \(result)")
            }
        } catch let error as PatchError {
            if let wanted = c.error {
                #expect(error.message.contains(wanted), "\(error.message)")
            } else {
                Issue.record("unexpected error: \(error.message)")
            }
        }
    }
}
