import Foundation
import SkiffAPI

extension RequestHandler {
    /// Request-only kinds: the answer is computed, nothing is stored. Skiff has no authorizer
    /// yet, so every authenticated user may do everything and access reviews say so.
    func createReview(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        try checkTypeMeta(&object, r)
        let user = request.user ?? UserInfo(username: "system:anonymous", groups: ["system:unauthenticated"])
        let userInfo = JSONValue.object([
            "username": .string(user.username), "uid": .string(user.uid),
            "groups": .array(user.groups.map { .string($0) }),
        ])
        switch r.kind {
        case "SelfSubjectReview":
            object["status"] = .object(["userInfo": userInfo])
        case "TokenReview":
            let token = object["spec"]?["token"]?.stringValue ?? ""
            if let found = authenticator.authenticate(bearer: "Bearer \(token)") {
                object["status"] = .object(["authenticated": .bool(true), "user": .object([
                    "username": .string(found.username), "uid": .string(found.uid), "groups": .array(found.groups.map { .string($0) }),
                ])])
            } else {
                object["status"] = .object(["authenticated": .bool(false), "error": .string("invalid bearer token")])
            }
        case "SelfSubjectAccessReview", "SubjectAccessReview", "LocalSubjectAccessReview":
            object["status"] = .object(["allowed": .bool(true), "reason": .string("no authorizer is configured: all authenticated requests are allowed")])
        case "SelfSubjectRulesReview":
            object["status"] = .object([
                "resourceRules": .array([.object(["verbs": .array([.string("*")]), "apiGroups": .array([.string("*")]),
                                                  "resources": .array([.string("*")])])]),
                "nonResourceRules": .array([.object(["verbs": .array([.string("*")]), "nonResourceURLs": .array([.string("*")])])]),
                "incomplete": .bool(false),
            ])
        case "Binding":
            guard let pods = registry.resource(group: "", version: "v1", plural: "pods") else { throw .pathNotFound() }
            return try await bind(pods, namespace: route.namespace, name: object.name, request: request)
        default:
            throw .methodNotAllowed("\(r.kind) cannot be created")
        }
        var metadata = object.metadata
        metadata["creationTimestamp"] = .null
        object["metadata"] = metadata
        return .json(object, status: 201)
    }

    /// serviceaccounts/token: a bearer token for the service account, valid on this server
    /// until it restarts (ServiceAccount JWTs come with the token controller).
    func issueToken(namespace: String, serviceAccount: String, request: APIRequest) async throws(APIError) -> APIResponse {
        guard let sa = registry.resource(group: "", version: "v1", plural: "serviceaccounts") else { throw .pathNotFound() }
        let account = try await readStored(sa, namespace: namespace, name: serviceAccount).object
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        let seconds = object["spec"]?["expirationSeconds"]?.intValue ?? 3600
        let token = "skiff-sa." + ClusterPKI.randomToken()
        authenticator.addToken(token, user: UserInfo(
            username: "system:serviceaccount:\(namespace):\(serviceAccount)",
            uid: account.metadata["uid"]?.stringValue ?? "",
            groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)", "system:authenticated"]))
        object["kind"] = .string("TokenRequest")
        object["apiVersion"] = .string("authentication.k8s.io/v1")
        object["metadata"] = .object(["name": .string(serviceAccount), "namespace": .string(namespace), "creationTimestamp": .null])
        var spec = object["spec"] ?? .object([:])
        spec["expirationSeconds"] = .int(seconds)
        if spec["audiences"] == nil { spec["audiences"] = .array([.string("https://kubernetes.default.svc.cluster.local")]) }
        object["spec"] = spec
        object["status"] = .object([
            "token": .string(token),
            "expirationTimestamp": .string(Timestamp.format(Date().addingTimeInterval(Double(seconds)))),
        ])
        return .json(object, status: 201)
    }

    /// componentstatuses: the store's health (read-only, computed).
    func componentStatuses(_ r: ResourceInfo, route: ResourceRoute) throws(APIError) -> APIResponse {
        let healthy = caches.clock.current >= 0
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
