import Testing
@testable import SkiffAPI

@Suite("Strategic merge patch", .timeLimit(.minutes(5)))
struct StrategicMergePatchTests {
    func apply(_ patch: String, to doc: String, kind: GroupVersionKind = podKind) throws -> JSONValue {
        try StrategicMergePatch.apply(try json(patch), to: try json(doc), kind: kind)
    }

    let twoContainers = #"{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}"#

    @Test("lists with patch strategy merge are merged by their merge key")
    func mergeByName() throws {
        let result = try apply(#"{"spec":{"containers":[{"name":"b","image":"z"}]}}"#, to: twoContainers)
        #expect(result == (try json(#"{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"z"}]}}"#)))
    }

    @Test("a new element without $setElementOrder goes before the server's elements, as in Kubernetes")
    func newElementFirst() throws {
        let result = try apply(#"{"spec":{"containers":[{"name":"c","image":"w"}]}}"#, to: twoContainers)
        #expect(result["spec"]?["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["c", "a", "b"])
    }

    @Test("$patch: delete removes the element with that merge key")
    func deleteElement() throws {
        let result = try apply(#"{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}"#, to: twoContainers)
        #expect(result == (try json(#"{"spec":{"containers":[{"name":"b","image":"y"}]}}"#)))
    }

    @Test("$patch: replace in a list replaces the whole list")
    func replaceList() throws {
        let result = try apply(#"{"spec":{"containers":[{"name":"c","image":"w"},{"$patch":"replace"}]}}"#, to: twoContainers)
        #expect(result == (try json(#"{"spec":{"containers":[{"name":"c","image":"w"}]}}"#)))
    }

    @Test("$patch: replace on a map replaces the map; $patch: delete empties it")
    func mapDirectives() throws {
        let doc = #"{"metadata":{"labels":{"a":"1","b":"2"}}}"#
        #expect(try apply(#"{"metadata":{"labels":{"$patch":"replace","c":"3"}}}"#, to: doc)
            == (try json(#"{"metadata":{"labels":{"c":"3"}}}"#)))
        #expect(try apply(#"{"metadata":{"labels":{"$patch":"delete"}}}"#, to: doc) == (try json(#"{"metadata":{"labels":{}}}"#)))
        #expect(try apply(#"{"metadata":{"labels":{"a":null,"d":"4"}}}"#, to: doc)
            == (try json(#"{"metadata":{"labels":{"b":"2","d":"4"}}}"#)))
    }

    @Test("$setElementOrder orders the merged list as kubectl apply asks")
    func setElementOrder() throws {
        let patch = #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"},{"name":"c"}],"containers":[{"name":"c","image":"w"}]}}"#
        let result = try apply(patch, to: twoContainers)
        #expect(result == (try json(#"{"spec":{"containers":[{"name":"b","image":"y"},{"name":"a","image":"x"},{"name":"c","image":"w"}]}}"#)))
    }

    @Test("a kubectl client-side apply patch updates the image and keeps the last-applied annotation")
    func kubectlApplyPatch() throws {
        let live = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"old"}},
         "spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}
        """
        let patch = """
        {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"}},
         "spec":{"replicas":2,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],
           "containers":[{"image":"nginx:1.28","name":"nginx"}]}}}}
        """
        let result = try apply(patch, to: live, kind: deploymentKind)
        let container = result["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first
        #expect(container?["image"] == .string("nginx:1.28"))
        #expect(container?["ports"] == (try json(#"[{"containerPort":80,"protocol":"TCP"}]"#)))
        #expect(result["spec"]?["replicas"] == .int(2))
        #expect(result["metadata"]?["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"] == .string("new"))
    }

    @Test("the patch kubectl 1.37 apply sends for a changed strategy and a removed container applies as Kubernetes does")
    func recordedKubectlPatch() throws {
        // Live object created by `kubectl apply`; the patch is what kubectl sent on the second apply
        // (recorded against Skiff's OpenAPI document; only the annotation text is shortened).
        let live = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default",
          "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"v1"}},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
            {"name":"a","image":"nginx:1","ports":[{"containerPort":80}]},
            {"name":"b","image":"busybox","args":["sleep","1000"]}]}}}}
        """
        let patch = """
        {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"v2"}},
         "spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"},
          "template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],
            "containers":[{"image":"nginx:2","name":"a"},{"$patch":"delete","name":"b"}]}}}}
        """
        let result = try apply(patch, to: live, kind: deploymentKind)
        #expect(result["spec"]?["strategy"] == (try json(#"{"type":"Recreate"}"#)))
        #expect(result["spec"]?["template"]?["spec"]?["containers"]
            == (try json(#"[{"name":"a","image":"nginx:2","ports":[{"containerPort":80}]}]"#)))
        #expect(result["metadata"]?["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"] == .string("v2"))
        #expect(result["spec"]?["replicas"] == .int(1))
    }

    @Test("$retainKeys clears the fields of a retainKeys structure that the patch does not list")
    func retainKeys() throws {
        let live = #"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#
        let patch = #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#
        #expect(try apply(patch, to: live, kind: deploymentKind) == (try json(#"{"spec":{"strategy":{"type":"Recreate"}}}"#)))
        // Every key the patch sets must be listed in $retainKeys.
        let invalid = try json(#"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}"#)
        let liveValue = try json(live)
        #expect(patchFailure { () throws(PatchError) in
            try StrategicMergePatch.apply(invalid, to: liveValue, kind: deploymentKind)
        } != nil)
    }

    @Test("primitive lists with merge strategy merge as sets and honour $deleteFromPrimitiveList")
    func primitiveLists() throws {
        let doc = #"{"metadata":{"finalizers":["a","b"]}}"#
        let merged = try apply(#"{"metadata":{"finalizers":["b","c"]}}"#, to: doc)
        #expect(Set(merged["metadata"]?["finalizers"]?.arrayValue ?? []) == [.string("a"), .string("b"), .string("c")])
        #expect(try apply(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#, to: doc)
            == (try json(#"{"metadata":{"finalizers":["b"]}}"#)))
    }

    @Test("lists without a merge strategy (atomic) are replaced")
    func atomicLists() throws {
        let doc = #"{"spec":{"containers":[{"name":"a","args":["x","y"]}]}}"#
        #expect(try apply(#"{"spec":{"containers":[{"name":"a","args":["z"]}]}}"#, to: doc)
            == (try json(#"{"spec":{"containers":[{"name":"a","args":["z"]}]}}"#)))
    }

    @Test("nested merge lists merge by their own key (container ports by containerPort)")
    func nestedMerge() throws {
        let doc = #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http"}]}]}}"#
        let patch = #"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"web"}]}]}}"#
        #expect(try apply(patch, to: doc) == (try json(#"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"web"}]}]}}"#)))
    }

    @Test("directives do not leak into fields the patch adds")
    func directivesStripped() throws {
        let result = try apply(#"{"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","$patch":"delete"}],"$setElementOrder/volumes":[{"name":"v"}]}}"#,
                               to: #"{"spec":{}}"#)
        #expect(result == (try json(#"{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}"#)))
    }

    @Test("kinds without a schema (custom resources) are refused as an unsupported media type")
    func customResourcesRefused() throws {
        let patch = try json(#"{"spec":{"a":1}}"#)
        let widget = GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")
        #expect(patchFailure { () throws(PatchError) in
            try StrategicMergePatch.apply(patch, to: .object([:]), kind: widget)
        }?.reason == .unsupportedMediaType)
    }

    @Test("malformed directives are rejected")
    func malformed() throws {
        // Directives are checked where the patch meets existing data (like apimachinery).
        let badDirective = try json(#"{"metadata":{"labels":{"$patch":"frobnicate"}}}"#)
        let labelled = try json(#"{"metadata":{"labels":{"a":"1"}}}"#)
        #expect(patchFailure { () throws(PatchError) in
            try StrategicMergePatch.apply(badDirective, to: labelled, kind: podKind)
        } != nil)
        let missingKey = try json(#"{"spec":{"containers":[{"image":"x"}]}}"#)
        let doc = try json(twoContainers)
        #expect(patchFailure { () throws(PatchError) in
            try StrategicMergePatch.apply(missingKey, to: doc, kind: podKind)
        } != nil)
        #expect(patchFailure { () throws(PatchError) in
            try StrategicMergePatch.apply(.array([]), to: doc, kind: podKind)
        }?.reason == .badRequest)
    }
}
