import Testing
@testable import SkiffAPI

@Suite("HorizontalPodAutoscaler autoscaling/v1 ↔ v2 conversion", .timeLimit(.minutes(5)))
struct HPAConversionTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test("a v1 CPU target becomes a v2 Resource metric and back")
    func cpuTargetRoundTrips() throws {
        let v1 = try Self.parse(#"{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"a"},"spec":{"maxReplicas":3,"targetCPUUtilizationPercentage":70},"status":{"currentReplicas":2,"desiredReplicas":3,"currentCPUUtilizationPercentage":90}}"#)
        let v2 = HPAConversion.toV2(v1)
        #expect(v2["apiVersion"]?.stringValue == "autoscaling/v2")
        #expect(v2["spec"]?["targetCPUUtilizationPercentage"] == nil)
        #expect(v2["spec"]?["metrics"]?.arrayValue?.first?["resource"]?["target"]?["averageUtilization"]?.intValue == 70)
        #expect(v2["status"]?["currentMetrics"]?.arrayValue?.first?["resource"]?["current"]?["averageUtilization"]?.intValue == 90)
        #expect(HPAConversion.toV1(v2) == v1)
    }

    @Test("what v1 cannot express travels in annotations and comes back unchanged")
    func otherMetricsSurviveV1() throws {
        let v2 = try Self.parse(#"{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"a","annotations":{"team":"x"}},"spec":{"maxReplicas":3,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}],"behavior":{"scaleDown":{"stabilizationWindowSeconds":60}}},"status":{"currentReplicas":1,"desiredReplicas":1,"conditions":[{"type":"AbleToScale","status":"True"}]}}"#)
        let v1 = HPAConversion.toV1(v2)
        #expect(v1["spec"]?["targetCPUUtilizationPercentage"]?.intValue == 50)
        #expect(v1["spec"]?["metrics"] == nil && v1["spec"]?["behavior"] == nil && v1["status"]?["conditions"] == nil)
        #expect(v1["metadata"]?["annotations"]?["autoscaling.alpha.kubernetes.io/metrics"] != nil)
        #expect(HPAConversion.toV2(v1) == v2)
    }

    @Test("other kinds and other versions pass through unchanged")
    func otherObjectsUnchanged() throws {
        let pod = try Self.parse(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#)
        #expect(HPAConversion.toV1(pod) == pod && HPAConversion.toV2(pod) == pod)
        let v2 = try Self.parse(#"{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","spec":{"maxReplicas":1}}"#)
        #expect(HPAConversion.toV2(v2) == v2)
    }
}
