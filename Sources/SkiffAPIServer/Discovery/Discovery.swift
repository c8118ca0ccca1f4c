import SkiffAPI

/// Legacy discovery (`/api`, `/api/v1`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`) and aggregated
/// discovery (apidiscovery.k8s.io/v2), chosen by the Accept header as kubectl expects: `/api`
/// and `/apis` answer in the same form.
extension RequestHandler {
    static func stableHash(_ text: String) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h & 0xffff_ffff_ffff, radix: 36)
    }

    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    func discovery(path: String, request: APIRequest) -> APIResponse {
        let accept = request.header("accept") ?? ""
        let aggregated = accept.contains("as=APIGroupDiscoveryList") && accept.contains("g=apidiscovery.k8s.io")
            && accept.contains("v=v2")
        if aggregated {
            let groups = registry.groupVersions.filter { path == "/api" ? $0.group.isEmpty : !$0.group.isEmpty }
            let list = JSONValue.object([
                "kind": .string("APIGroupDiscoveryList"), "apiVersion": .string("apidiscovery.k8s.io/v2"),
                "metadata": .object([:]),
                "items": .array(groups.map { aggregatedGroup($0.group, versions: $0.versions) }),
            ])
            return .json(list, contentType: Self.aggregatedContentType)
        }
        if path == "/api" {
            return .json(.object([
                "kind": .string("APIVersions"), "versions": .array([.string("v1")]),
                "serverAddressByClientCIDRs": .array([.object([
                    "clientCIDR": .string("0.0.0.0/0"), "serverAddress": .string(serverAddress)])]),
            ]))
        }
        let groups = registry.groupVersions.filter { !$0.group.isEmpty }.map { apiGroup($0.group, versions: $0.versions) }
        return .json(.object(["kind": .string("APIGroupList"), "apiVersion": .string("v1"), "groups": .array(groups)]))
    }

    /// `/api/v1`, `/apis/<g>`, `/apis/<g>/<v>`; nil for any other path.
    func groupDiscovery(path: String) -> APIResponse? {
        let parts = path.split(separator: "/").map(String.init)
        if parts == ["api", "v1"] { return .json(resourceList(group: "", version: "v1")) }
        guard parts.first == "apis", parts.count == 2 || parts.count == 3,
              let gv = registry.groupVersions.first(where: { $0.group == parts[1] }) else { return nil }
        if parts.count == 2 {
            var group = apiGroup(gv.group, versions: gv.versions)
            group["kind"] = .string("APIGroup")
            group["apiVersion"] = .string("v1")
            return .json(group)
        }
        guard gv.versions.contains(parts[2]) else { return nil }
        return .json(resourceList(group: gv.group, version: parts[2]))
    }

    private func apiGroup(_ group: String, versions: [String]) -> JSONValue {
        let entries = versions.map { JSONValue.object(["groupVersion": .string("\(group)/\($0)"), "version": .string($0)]) }
        return .object(["name": .string(group), "versions": .array(entries), "preferredVersion": entries[0]])
    }

    private func resourceList(group: String, version: String) -> JSONValue {
        var resources: [JSONValue] = []
        for r in registry.resources(group: group, version: version) {
            var entry: [String: JSONValue] = [
                "name": .string(r.plural), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                "kind": .string(r.kind), "verbs": .array(r.verbs.map { .string($0) }),
                "storageVersionHash": .string(Self.stableHash("\(r.group)/\(r.plural)")),
            ]
            if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map { .string($0) }) }
            resources.append(.object(entry))
            for sub in r.subresources {
                guard let (kind, subGroup, subVersion, verbs) = subresourceShape(r, sub) else { continue }
                var s: [String: JSONValue] = [
                    "name": .string("\(r.plural)/\(sub.rawValue)"), "singularName": .string(""),
                    "namespaced": .bool(r.namespaced), "kind": .string(kind), "verbs": .array(verbs.map { .string($0) }),
                ]
                if let subGroup { s["group"] = .string(subGroup); s["version"] = .string(subVersion ?? "v1") }
                resources.append(.object(s))
            }
        }
        return .object([
            "kind": .string("APIResourceList"), "apiVersion": .string("v1"),
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources),
        ])
    }

    /// Kind, group/version (when not the parent's), verbs of a subresource.
    func subresourceShape(_ r: ResourceInfo, _ sub: ResourceInfo.Subresource)
        -> (kind: String, group: String?, version: String?, verbs: [String])? {
        switch sub {
        case .status: return (r.kind, nil, nil, ["get", "patch", "update"])
        case .scale: return ("Scale", "autoscaling", "v1", ["get", "patch", "update"])
        case .binding: return ("Binding", nil, nil, ["create"])
        case .eviction: return ("Eviction", "policy", "v1", ["create"])
        case .token: return ("TokenRequest", "authentication.k8s.io", "v1", ["create"])
        case .approval: return (r.kind, nil, nil, ["get", "patch", "update"])
        case .finalize: return (r.kind, nil, nil, ["update"])
        case .ephemeralcontainers, .resize: return (r.kind, nil, nil, ["get", "patch", "update"])
        case .log: return ("Pod", nil, nil, ["get"])
        case .exec, .attach, .portforward: return ("PodExecOptions", nil, nil, ["create", "get"])
        case .proxy: return ("\(r.kind)ProxyOptions", nil, nil, ["create", "delete", "get", "patch", "update"])
        }
    }

    private func aggregatedGroup(_ group: String, versions: [String]) -> JSONValue {
        let entries = versions.map { version -> JSONValue in
            let resources = registry.resources(group: group, version: version).map { r -> JSONValue in
                var entry: [String: JSONValue] = [
                    "resource": .string(r.plural), "singularResource": .string(r.singular),
                    "scope": .string(r.namespaced ? "Namespaced" : "Cluster"),
                    "responseKind": .object(["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)]),
                    "verbs": .array(r.verbs.map { .string($0) }),
                ]
                if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map { .string($0) }) }
                if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map { .string($0) }) }
                let subs = r.subresources.compactMap { sub -> JSONValue? in
                    guard let shape = subresourceShape(r, sub) else { return nil }
                    return .object([
                        "subresource": .string(sub.rawValue),
                        "responseKind": .object(["group": .string(shape.group ?? r.group),
                                                 "version": .string(shape.version ?? r.version), "kind": .string(shape.kind)]),
                        "verbs": .array(shape.verbs.map { .string($0) }),
                    ])
                }
                if !subs.isEmpty { entry["subresources"] = .array(subs) }
                return .object(entry)
            }
            return JSONValue.object(["version": .string(version), "resources": .array(resources), "freshness": .string("Current")])
        }
        return .object(["metadata": .object(["name": .string(group), "creationTimestamp": .null]), "versions": .array(entries)])
    }
}
