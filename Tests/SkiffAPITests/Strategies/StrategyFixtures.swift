import Foundation
@testable import SkiffAPI

/// Small builders for the objects the strategy tests use.
enum Fixture {
    static let pod = GroupVersionKind(group: "", version: "v1", kind: "Pod")
    static let service = GroupVersionKind(group: "", version: "v1", kind: "Service")
    static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
    static let statefulSet = GroupVersionKind(group: "apps", version: "v1", kind: "StatefulSet")
    static let job = GroupVersionKind(group: "batch", version: "v1", kind: "Job")
    static let cronJob = GroupVersionKind(group: "batch", version: "v1", kind: "CronJob")
    static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let secret = GroupVersionKind(group: "", version: "v1", kind: "Secret")
    static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
    static let node = GroupVersionKind(group: "", version: "v1", kind: "Node")
    static let event = GroupVersionKind(group: "", version: "v1", kind: "Event")

    static func json(_ text: String) -> JSONValue {
        (try? JSONValue.parse(text)) ?? .null
    }

    static func minimalPod(name: String = "web", image: String = "nginx") -> JSONValue {
        json(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"default"},"spec":{"containers":[{"name":"c","image":"\#(image)"}]}}"#)
    }

    static func minimalDeployment(selector: String = "web", templateLabel: String = "web") -> JSONValue {
        json(#"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
         "spec":{"selector":{"matchLabels":{"app":"\#(selector)"}},
                 "template":{"metadata":{"labels":{"app":"\#(templateLabel)"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}
        """#)
    }

    static func minimalService() -> JSONValue {
        json(#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}"#)
    }

    static func defaulted(_ value: JSONValue, _ kind: GroupVersionKind) -> JSONValue {
        var copy = value
        Defaulting.apply(to: &copy, kind: kind)
        return copy
    }

    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    static func timestamp(secondsAgo: Double) -> String {
        KubeTime.format(now.addingTimeInterval(-secondsAgo))
    }
}

extension JSONValue {
    /// Test accessor: follows keys and `[index]` steps, e.g. `self["spec.containers.0.image"]`.
    func at(_ path: String) -> JSONValue? {
        var current: JSONValue? = self
        for step in path.split(separator: ".") {
            if let index = Int(step) {
                guard let items = current?.arrayValue, index < items.count else { return nil }
                current = items[index]
            } else {
                current = current?[String(step)]
            }
        }
        return current
    }
}
