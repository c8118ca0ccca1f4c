import Testing
@testable import SkiffAPI

@Suite("Go struct layout of built-in kinds", .timeLimit(.minutes(1)))
struct GoLayoutTests {
    @Test("a built-in object comes out in Go struct order with Go's zero values")
    func structOrderAndZeroValues() throws {
        let ds = try JSONValue.parse(#"""
            {"status":{},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}},
             "metadata":{"labels":null,"annotations":{},"namespace":"n","name":"x","finalizers":[]},
             "apiVersion":"apps/v1","kind":"DaemonSet"}
            """#)
        #expect(ds.jsonString == #"{"kind":"DaemonSet","apiVersion":"apps/v1","metadata":{"name":"x","namespace":"n"},"spec":{"selector":null,"template":{"metadata":{},"spec":{"containers":[{"name":"c","image":"i","resources":{}}]}},"updateStrategy":{}},"status":{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0}}"#)
    }

    @Test("a Status body has kube-apiserver's field order")
    func statusOrder() throws {
        let status: JSONValue = .object([
            "code": .int(404), "details": .object(["kind": .string("pods"), "name": .string("p"), "group": .string("")]),
            "reason": .string("NotFound"), "message": .string("m"), "status": .string("Failure"),
            "metadata": .object([:]), "apiVersion": .string("v1"), "kind": .string("Status"),
        ])
        #expect(status.jsonString == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m","reason":"NotFound","details":{"name":"p","kind":"pods"},"code":404}"#)
    }

    @Test("references inside custom resources are not laid out as the kinds they name")
    func customResourcesStayMaps() throws {
        let cr = try JSONValue.parse(#"""
            {"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w","ownerReferences":[{"uid":"u","name":"d","kind":"Deployment","apiVersion":"apps/v1"}]},
             "spec":{"target":{"kind":"Deployment","apiVersion":"apps/v1","name":"d"}}}
            """#)
        #expect(cr.jsonString == #"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"d","uid":"u"}]},"spec":{"target":{"apiVersion":"apps/v1","kind":"Deployment","name":"d"}}}"#)
    }

    @Test("a CustomResourceDefinition's schema comes out in JSONSchemaProps order, through its unions")
    func customResourceDefinitionSchema() throws {
        let crd = try JSONValue.parse(#"""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"ws.example.com"},
             "spec":{"versions":[{"schema":{"openAPIV3Schema":{"type":"object","properties":{
               "a":{"items":{"type":"string","format":"f"},"type":"array"},
               "b":{"items":[{"type":"string","description":"d"},{"type":"integer"}],"type":"array"},
               "c":{"additionalProperties":false,"type":"object"},
               "d":{"additionalProperties":{"type":"string","description":"d"},"type":"object"},
               "e":{"enum":[{"x":2}],"default":{"x":2},"type":"object"}}}},"storage":true,"served":true,"name":"v1"}],
               "scope":"Cluster","names":{"kind":"W","plural":"ws"},"group":"example.com"}}
            """#)
        #expect(crd.jsonString == #"{"kind":"CustomResourceDefinition","apiVersion":"apiextensions.k8s.io/v1","metadata":{"name":"ws.example.com"},"spec":{"group":"example.com","names":{"plural":"ws","kind":"W"},"scope":"Cluster","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"a":{"type":"array","items":{"type":"string","format":"f"}},"b":{"type":"array","items":[{"description":"d","type":"string"},{"type":"integer"}]},"c":{"type":"object","additionalProperties":false},"d":{"type":"object","additionalProperties":{"description":"d","type":"string"}},"e":{"type":"object","default":{"x":2},"enum":[{"x":2}]}}}}}]},"status":{"conditions":null,"acceptedNames":{"plural":"","kind":""},"storedVersions":null}}"#)
    }

    @Test("a Table row's embedded object is laid out as its own kind")
    func embeddedObjects() throws {
        let table = try JSONValue.parse(#"""
            {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{},"columnDefinitions":[],
             "rows":[{"cells":["x"],"object":{"metadata":{"name":"x"},"apiVersion":"v1","kind":"ConfigMap"}}]}
            """#)
        #expect(table.jsonString == #"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{},"columnDefinitions":[],"rows":[{"cells":["x"],"object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}}]}"#)
    }

    @Test("every layout's child refers to a layout, and the kinds the server serves have one")
    func tableIsConsistent() {
        for layout in GoLayout.all {
            for field in layout.fields where field.encoding == .structure {
                #expect(field.child >= 0, "\(layout.name).\(field.name)")
            }
        }
        for (kind, apiVersion) in [("Pod", "v1"), ("Deployment", "apps/v1"), ("Job", "batch/v1"), ("Status", "v1"),
                                   ("HorizontalPodAutoscaler", "autoscaling/v1"), ("Lease", "coordination.k8s.io/v1"),
                                   ("CustomResourceDefinition", "apiextensions.k8s.io/v1")] {
            #expect(GoLayout.isBuiltin(kind: kind, apiVersion: apiVersion), "\(kind)")
        }
    }
}
