import Foundation
import SkiffAPI

extension RequestHandler {
    /// Built-in mutating admission of a new object that reads other objects (after defaulting,
    /// before validation): the ServiceAccount plugin for pods. (DefaultTolerationSeconds and the
    /// account name's default are part of pod defaulting, `Defaulting+Pod`.)
    func admit(_ object: inout JSONValue, _ r: ResourceInfo) async {
        guard r.group.isEmpty, r.plural == "pods" else { return }
        // Mirror pods (static pods reported by a kubelet) get neither (as upstream).
        if object.metadata["annotations"]?["kubernetes.io/config.mirror"] != nil { return }
        await PodAdmission.serviceAccount(&object, handler: self)
    }
}

/// kube-apiserver's ServiceAccount admission plugin.
enum PodAdmission {
    static let tokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The pod runs as `default` unless it names an account; unless automount is off (pod,
    /// then account), every container gets the `kube-api-access-*` projected volume (token,
    /// cluster CA, namespace) at the well-known path.
    static func serviceAccount(_ pod: inout JSONValue, handler: RequestHandler) async {
        guard var spec = pod["spec"] else { return }
        var name = spec["serviceAccountName"]?.stringValue ?? ""
        if name.isEmpty { name = spec["serviceAccount"]?.stringValue ?? "" }
        if name.isEmpty { name = "default" }
        spec["serviceAccountName"] = .string(name)
        spec["serviceAccount"] = .string(name)
        let account = await handler.cachedObject("serviceaccounts", namespace: pod.namespace ?? "", name: name)
        let automount = spec["automountServiceAccountToken"]?.boolValue ?? account?["automountServiceAccountToken"]?.boolValue ?? true
        if automount {
            mountToken(&spec)
        }
        pod["spec"] = spec
    }

    static func mountToken(_ spec: inout JSONValue) {
        let volumes = spec["volumes"]?.arrayValue ?? []
        // An existing token volume (a pod re-created from a stored manifest) is reused.
        let existing = volumes.first { v in
            (v["name"]?.stringValue ?? "").hasPrefix("kube-api-access-") && v["projected"] != nil
        }?["name"]?.stringValue
        let volumeName = existing ?? Names.generate(prefix: "kube-api-access-")
        var added = false
        for field in ["initContainers", "containers"] {
            guard var containers = spec[field]?.arrayValue else { continue }
            for i in containers.indices {
                let mounts = containers[i]["volumeMounts"]?.arrayValue ?? []
                if mounts.contains(where: { $0["mountPath"]?.stringValue == tokenMountPath }) { continue }
                containers[i]["volumeMounts"] = .array(mounts + [.object([
                    "name": .string(volumeName), "readOnly": .bool(true), "mountPath": .string(tokenMountPath),
                ])])
                added = true
            }
            spec[field] = .array(containers)
        }
        guard added, existing == nil else { return }
        let token: JSONValue = .object(["serviceAccountToken": .object(["expirationSeconds": .int(3607), "path": .string("token")])])
        let caItem: JSONValue = .object(["key": .string("ca.crt"), "path": .string("ca.crt")])
        let ca: JSONValue = .object(["configMap": .object(["name": .string("kube-root-ca.crt"), "items": .array([caItem])])])
        let fieldRef: JSONValue = .object(["apiVersion": .string("v1"), "fieldPath": .string("metadata.namespace")])
        let nsItem: JSONValue = .object(["path": .string("namespace"), "fieldRef": fieldRef])
        let namespace: JSONValue = .object(["downwardAPI": .object(["items": .array([nsItem])])])
        let projected: JSONValue = .object(["defaultMode": .int(420), "sources": .array([token, ca, namespace])])
        let volume: JSONValue = .object(["name": .string(volumeName), "projected": projected])
        spec["volumes"] = .array(volumes + [volume])
    }
}
