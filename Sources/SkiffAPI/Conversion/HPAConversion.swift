/// Conversion of HorizontalPodAutoscaler between autoscaling/v2 (how Skiff stores it) and
/// autoscaling/v1 (still served, like Kubernetes does). v1 only has a CPU utilization target; as in
/// Kubernetes, what v1 cannot express (other metrics, behavior, conditions) travels in
/// `autoscaling.alpha.kubernetes.io/*` annotations so a v1 read-modify-write loses nothing.
public enum HPAConversion {
    public static let v1 = "autoscaling/v1"
    public static let v2 = "autoscaling/v2"
    static let metricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
    static let currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
    static let conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
    static let behaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"

    /// A stored (v2) object as autoscaling/v1. Objects of other kinds are returned unchanged.
    public static func toV1(_ object: JSONValue) -> JSONValue {
        guard case .object(var fields) = object, fields["kind"]?.stringValue == "HorizontalPodAutoscaler",
              fields["apiVersion"]?.stringValue != v1 else { return object }
        fields["apiVersion"] = .string(v1)
        var annotations = fields["metadata"]?["annotations"]?.objectValue ?? [:]
        if case .object(var spec)? = fields["spec"] {
            splitCPU(&spec, list: "metrics", side: "target", into: "targetCPUUtilizationPercentage",
                     others: metricsAnnotation, annotations: &annotations)
            if let behavior = spec["behavior"], !behavior.isNull { annotations[behaviorAnnotation] = .string(behavior.jsonString) }
            spec["behavior"] = nil
            fields["spec"] = .object(spec)
        }
        if case .object(var status)? = fields["status"] {
            splitCPU(&status, list: "currentMetrics", side: "current", into: "currentCPUUtilizationPercentage",
                     others: currentMetricsAnnotation, annotations: &annotations)
            if let conditions = status["conditions"]?.arrayValue, !conditions.isEmpty {
                annotations[conditionsAnnotation] = .string(JSONValue.array(conditions).jsonString)
            }
            status["conditions"] = nil
            // Both are required in v1 (clients validate them); a new HPA has observed nothing yet.
            if status["currentReplicas"] == nil { status["currentReplicas"] = .int(0) }
            if status["desiredReplicas"] == nil { status["desiredReplicas"] = .int(0) }
            fields["status"] = .object(status)
        }
        setAnnotations(&fields, annotations)
        return .object(fields)
    }

    /// An autoscaling/v1 object (as sent by a client) as v2, the stored version. Objects of other
    /// kinds or versions are returned unchanged.
    public static func toV2(_ object: JSONValue) -> JSONValue {
        guard case .object(var fields) = object, fields["kind"]?.stringValue == "HorizontalPodAutoscaler",
              (fields["apiVersion"]?.stringValue ?? v1) == v1 else { return object }
        fields["apiVersion"] = .string(v2)
        var annotations = fields["metadata"]?["annotations"]?.objectValue ?? [:]
        func takeList(_ key: String) -> [JSONValue] {
            defer { annotations[key] = nil }
            guard let text = annotations[key]?.stringValue, let value = try? JSONValue.parse(Array(text.utf8)) else { return [] }
            return value.arrayValue ?? []
        }
        if case .object(var spec)? = fields["spec"] {
            var metrics: [JSONValue] = []
            if let target = spec["targetCPUUtilizationPercentage"]?.intValue {
                metrics.append(cpuMetric(side: "target", valueKind: "Utilization", value: target))
            }
            metrics += takeList(metricsAnnotation)
            spec["targetCPUUtilizationPercentage"] = nil
            if !metrics.isEmpty { spec["metrics"] = .array(metrics) }
            if let text = annotations[behaviorAnnotation]?.stringValue, let behavior = try? JSONValue.parse(Array(text.utf8)) {
                spec["behavior"] = behavior
            }
            annotations[behaviorAnnotation] = nil
            fields["spec"] = .object(spec)
        } else {
            annotations[metricsAnnotation] = nil
            annotations[behaviorAnnotation] = nil
        }
        var status = fields["status"]?.objectValue ?? [:]
        var current: [JSONValue] = []
        if let value = status["currentCPUUtilizationPercentage"]?.intValue {
            current.append(cpuMetric(side: "current", valueKind: nil, value: value))
        }
        current += takeList(currentMetricsAnnotation)
        let conditions = takeList(conditionsAnnotation)
        status["currentCPUUtilizationPercentage"] = nil
        if !current.isEmpty { status["currentMetrics"] = .array(current) }
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        if fields["status"] != nil || !status.isEmpty { fields["status"] = .object(status) }
        setAnnotations(&fields, annotations)
        return .object(fields)
    }

    /// Moves the CPU utilization metric of `section[list]` to the v1 field `cpuField`; the metrics v1
    /// cannot express go to the `others` annotation.
    private static func splitCPU(_ section: inout [String: JSONValue], list: String, side: String, into cpuField: String,
                                 others annotation: String, annotations: inout [String: JSONValue]) {
        var others: [JSONValue] = []
        for metric in section[list]?.arrayValue ?? [] {
            if let value = cpuUtilization(metric, side: side) {
                section[cpuField] = .int(value)
            } else {
                others.append(metric)
            }
        }
        section[list] = nil
        if !others.isEmpty { annotations[annotation] = .string(JSONValue.array(others).jsonString) }
    }

    /// The average CPU utilization of a `Resource` metric (target or current side), if it is one.
    private static func cpuUtilization(_ metric: JSONValue, side: String) -> Int64? {
        guard metric["type"]?.stringValue == "Resource", metric["resource"]?["name"]?.stringValue == "cpu",
              let value = metric["resource"]?[side]?["averageUtilization"]?.intValue else { return nil }
        if side == "target", metric["resource"]?["target"]?["type"]?.stringValue != "Utilization" { return nil }
        return value
    }

    private static func cpuMetric(side: String, valueKind: String?, value: Int64) -> JSONValue {
        var measurement: [String: JSONValue] = ["averageUtilization": .int(value)]
        if let valueKind { measurement["type"] = .string(valueKind) }
        return .object(["type": .string("Resource"), "resource": .object(["name": .string("cpu"), side: .object(measurement)])])
    }

    private static func setAnnotations(_ fields: inout [String: JSONValue], _ annotations: [String: JSONValue]) {
        guard case .object(var metadata)? = fields["metadata"] else {
            if !annotations.isEmpty { fields["metadata"] = .object(["annotations": .object(annotations)]) }
            return
        }
        metadata["annotations"] = annotations.isEmpty ? nil : .object(annotations)
        fields["metadata"] = .object(metadata)
    }
}
