import SkiffAPI

/// One object as the watch cache keeps it: the wire JSON (with `metadata.resourceVersion` set to
/// the store mod revision) encoded once, plus what selectors look at.
struct CachedObject: Sendable {
    var key: String
    var namespace: String
    var name: String
    /// Wire JSON, ready to send as is.
    var bytes: [UInt8]
    var modRevision: Int64
    var labels: [String: String]
    var fields: [String: String]

    /// Decodes a stored value and sets `resourceVersion` to `revision`.
    static func decode(key: String, value: [UInt8], revision: Int64, resource: ResourceInfo) -> CachedObject? {
        guard var object = try? JSONValue.parse(value) else { return nil }
        object.setResourceVersion(revision)
        return CachedObject(object: object, key: key, revision: revision, resource: resource)
    }

    init(object: JSONValue, key: String, revision: Int64, resource: ResourceInfo) {
        self.key = key
        let metadata = object["metadata"]
        namespace = metadata?["namespace"]?.stringValue ?? ""
        name = metadata?["name"]?.stringValue ?? ""
        bytes = object.serialized()
        modRevision = revision
        var labels: [String: String] = [:]
        for (k, v) in metadata?["labels"]?.objectValue ?? [:] { labels[k] = v.stringValue ?? "" }
        self.labels = labels
        fields = SelectableFields.extract(from: object, resource: resource)
    }

    var object: JSONValue { (try? JSONValue.parse(bytes)) ?? .null }
}

extension JSONValue {
    mutating func setResourceVersion(_ revision: Int64) {
        var metadata = self["metadata"] ?? .object([:])
        metadata["resourceVersion"] = .string(String(revision))
        self["metadata"] = metadata
    }

    /// `self[a][b][c]` as a string, "" when absent; numbers and booleans in their text form.
    func text(_ path: String...) -> String {
        var cur: JSONValue? = self
        for p in path { cur = cur?[p] }
        switch cur {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .bool(let b)?: return b ? "true" : "false"
        default: return ""
        }
    }
}

/// Field selector support, per resource, as Kubernetes registers it.
enum SelectableFields {
    static func supported(_ r: ResourceInfo) -> [String] {
        var base = ["metadata.name", "metadata.namespace"]
        switch (r.group, r.plural) {
        case ("", "pods"):
            base += ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                     "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"]
        case ("", "events"):
            base += ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                     "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                     "reason", "reportingComponent", "source", "type"]
        case ("events.k8s.io", "events"):
            base += ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "type",
                     "reportingController"]
        case ("", "secrets"): base += ["type"]
        case ("", "nodes"): base += ["spec.unschedulable"]
        case ("", "namespaces"): base += ["status.phase"]
        case ("", "replicationcontrollers"), ("apps", "replicasets"): base += ["status.replicas"]
        case ("batch", "jobs"): base += ["status.successful"]
        case ("certificates.k8s.io", "certificatesigningrequests"): base += ["spec.signerName"]
        default: break
        }
        return base
    }

    static func extract(from o: JSONValue, resource r: ResourceInfo) -> [String: String] {
        var f = ["metadata.name": o.text("metadata", "name"), "metadata.namespace": o.text("metadata", "namespace")]
        switch (r.group, r.plural) {
        case ("", "pods"):
            f["spec.nodeName"] = o.text("spec", "nodeName")
            f["spec.restartPolicy"] = o.text("spec", "restartPolicy")
            f["spec.schedulerName"] = o.text("spec", "schedulerName")
            f["spec.serviceAccountName"] = o.text("spec", "serviceAccountName")
            let hostNetwork = o.text("spec", "hostNetwork")
            f["spec.hostNetwork"] = hostNetwork.isEmpty ? "false" : hostNetwork
            f["status.phase"] = o.text("status", "phase")
            f["status.podIP"] = o.text("status", "podIP")
            f["status.nominatedNodeName"] = o.text("status", "nominatedNodeName")
        case ("", "events"):
            for k in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
                f["involvedObject.\(k)"] = o.text("involvedObject", k)
            }
            f["reason"] = o.text("reason")
            f["reportingComponent"] = o.text("reportingComponent")
            f["source"] = o.text("source", "component")
            f["type"] = o.text("type")
        case ("events.k8s.io", "events"):
            for k in ["kind", "namespace", "name", "uid"] { f["regarding.\(k)"] = o.text("regarding", k) }
            f["reason"] = o.text("reason")
            f["type"] = o.text("type")
            f["reportingController"] = o.text("reportingController")
        case ("", "secrets"): f["type"] = o.text("type")
        case ("", "nodes"):
            let u = o.text("spec", "unschedulable")
            f["spec.unschedulable"] = u.isEmpty ? "false" : u
        case ("", "namespaces"): f["status.phase"] = o.text("status", "phase")
        case ("", "replicationcontrollers"), ("apps", "replicasets"):
            let n = o.text("status", "replicas")
            f["status.replicas"] = n.isEmpty ? "0" : n
        case ("batch", "jobs"):
            let n = o.text("status", "succeeded")
            f["status.successful"] = n.isEmpty ? "0" : n
        case ("certificates.k8s.io", "certificatesigningrequests"): f["spec.signerName"] = o.text("spec", "signerName")
        default: break
        }
        return f
    }
}
