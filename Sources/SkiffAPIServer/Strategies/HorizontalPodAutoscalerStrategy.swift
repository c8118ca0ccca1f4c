import SkiffAPI

/// HorizontalPodAutoscalers (autoscaling/v2, the stored version).
struct HorizontalPodAutoscalerStrategy: ResourceStrategy {
    /// desiredReplicas is not omitempty in Kubernetes' status struct: a new HPA shows 0.
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        object["status"] = .object(["desiredReplicas": .int(0)])
    }
}

/// autoscaling/v1 HorizontalPodAutoscalers: served by converting to and from the stored v2.
struct HorizontalPodAutoscalerV1Strategy: ResourceStrategy {
    func convertToStorage(_ object: JSONValue) -> JSONValue { HPAConversion.toV2(object) }
    func convertFromStorage(_ object: JSONValue) -> JSONValue { HPAConversion.toV1(object) }
}
