import SkiffAPI

/// Request-only kinds of authentication and authorization: the answer is computed, nothing is
/// stored. Skiff has no authorizer yet, so every authenticated user may do everything and
/// access reviews say so.
struct ReviewStrategy: ResourceStrategy {
    enum Review: Sendable { case selfSubject, token, access, rules }

    let review: Review

    func createVirtual(_ input: JSONValue, resource r: ResourceInfo, route: ResourceRoute, request: APIRequest,
                       handler: RequestHandler) async throws(APIError) -> APIResponse {
        var object = input
        let user = request.user ?? UserInfo(username: "system:anonymous", groups: ["system:unauthenticated"])
        switch review {
        case .selfSubject:
            object["status"] = .object(["userInfo": .object([
                "username": .string(user.username), "uid": .string(user.uid),
                "groups": .array(user.groups.map { .string($0) }),
            ])])
        case .token:
            let token = object["spec"]?["token"]?.stringValue ?? ""
            if let found = handler.authenticator.authenticate(bearer: "Bearer \(token)") {
                object["status"] = .object(["authenticated": .bool(true), "user": .object([
                    "username": .string(found.username), "uid": .string(found.uid), "groups": .array(found.groups.map { .string($0) }),
                ])])
            } else {
                object["status"] = .object(["authenticated": .bool(false), "error": .string("invalid bearer token")])
            }
        case .access:
            object["status"] = .object(["allowed": .bool(true), "reason": .string("no authorizer is configured: all authenticated requests are allowed")])
        case .rules:
            object["status"] = .object([
                "resourceRules": .array([.object(["verbs": .array([.string("*")]), "apiGroups": .array([.string("*")]),
                                                  "resources": .array([.string("*")])])]),
                "nonResourceRules": .array([.object(["verbs": .array([.string("*")]), "nonResourceURLs": .array([.string("*")])])]),
                "incomplete": .bool(false),
            ])
        }
        var metadata = object.metadata
        metadata["creationTimestamp"] = .null
        object["metadata"] = metadata
        return .json(object, status: 201)
    }
}

/// componentstatuses: the store's health (read-only, computed).
struct ComponentStatusStrategy: ResourceStrategy {
    func readVirtual(resource r: ResourceInfo, route: ResourceRoute, handler: RequestHandler) throws(APIError) -> APIResponse {
        let healthy = handler.caches.clock.current >= 0
        let item = JSONValue.object([
            "kind": .string("ComponentStatus"), "apiVersion": .string("v1"),
            "metadata": .object(["name": .string("storage")]),
            "conditions": .array([.object(["type": .string("Healthy"), "status": .string(healthy ? "True" : "False"),
                                           "message": .string(healthy ? "ok" : "loading")])]),
        ])
        if let name = route.name {
            guard name == "storage" else { throw .notFound(r, name) }
            return .json(item)
        }
        return .json(.object(["kind": .string("ComponentStatusList"), "apiVersion": .string("v1"), "metadata": .object([:]),
                              "items": .array([item])]))
    }
}
