import SkiffAPI

/// Events (core/v1 and events.k8s.io/v1): selectable by the object they are about, reason and type.
struct EventStrategy: ResourceStrategy {
    enum API: Sendable { case core, eventsV1 }

    let api: API

    var selectableFields: [String] {
        switch api {
        case .core:
            ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
             "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
             "reason", "reportingComponent", "source", "type"]
        case .eventsV1:
            ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "type",
             "reportingController"]
        }
    }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] {
        var f: [String: String] = ["reason": o.text("reason"), "type": o.text("type")]
        switch api {
        case .core:
            for k in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
                f["involvedObject.\(k)"] = o.text("involvedObject", k)
            }
            f["reportingComponent"] = o.text("reportingComponent")
            f["source"] = o.text("source", "component")
        case .eventsV1:
            for k in ["kind", "namespace", "name", "uid"] { f["regarding.\(k)"] = o.text("regarding", k) }
            f["reportingController"] = o.text("reportingController")
        }
        return f
    }
}
