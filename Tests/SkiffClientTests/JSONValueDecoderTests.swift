import Foundation
import SkiffAPI
import Testing
@testable import SkiffClient

@Suite("Decoding generated types from JSONValue", .timeLimit(.minutes(1)))
struct JSONValueDecoderTests {
    static let podJSON = #"""
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","uid":"u-1","resourceVersion":"42",
     "labels":{"app":"web"},"annotations":{"a":"b"},"creationTimestamp":"2026-01-01T00:00:00Z","generation":3,
     "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u-0","controller":true}]},
     "spec":{"nodeName":"n1","priority":1000,"terminationGracePeriodSeconds":30,"enableServiceLinks":null,
      "containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],
        "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":1}},
        "livenessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":10}}],
      "tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule","tolerationSeconds":300}],
      "affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
        {"topologyKey":"kubernetes.io/hostname","labelSelector":{"matchLabels":{"app":"web"}}}]}}},
     "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"podIP":"10.42.0.5"}}
    """#

    @Test("a rich Pod decodes exactly as with Foundation's JSONDecoder")
    func matchesJSONDecoder() throws {
        let bytes = Array(Self.podJSON.utf8)
        let expected = try JSONDecoder().decode(CoreV1.Pod.self, from: Data(bytes))
        let decoded = try JSONValueDecoder.decode(CoreV1.Pod.self, from: try JSONValue.parse(bytes))
        #expect(decoded == expected)
        #expect(decoded.spec?.containers?.first?.resources?.requests?["memory"] == Quantity(64 << 20, format: .binarySI))
        #expect(decoded.spec?.containers?.first?.livenessProbe?.httpGet?.port == .string("http"))
        #expect(decoded.spec?.tolerations?.first?.tolerationSeconds == 300)
    }

    @Test("type mismatches and out-of-range integers are DecodingErrors, not crashes",
          arguments: [
            #"{"metadata":{"name":5}}"#,
            #"{"metadata":{"generation":"x"}}"#,
            #"{"spec":{"containers":{"name":"c"}}}"#,
            #"{"spec":{"priority":99999999999}}"#,
            #"{"spec":{"priority":1.5}}"#,
            #"{"metadata":[]}"#,
          ])
    func mismatches(json: String) throws {
        let value = try JSONValue.parse(json)
        #expect(throws: DecodingError.self) { _ = try JSONValueDecoder.decode(CoreV1.Pod.self, from: value) }
        #expect(throws: (any Error).self) { _ = try JSONDecoder().decode(CoreV1.Pod.self, from: Data(json.utf8)) }
    }
}
