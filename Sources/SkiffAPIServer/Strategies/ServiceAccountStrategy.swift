import Foundation
import SkiffAPI

/// ServiceAccounts: serve serviceaccounts/token.
struct ServiceAccountStrategy: ResourceStrategy {
    func handleSubresource(_ sub: ResourceInfo.Subresource, resource r: ResourceInfo, route: ResourceRoute,
                           request: APIRequest, handler: RequestHandler) async throws(APIError) -> APIResponse? {
        guard sub == .token, request.method == "POST", let name = route.name else { return nil }
        return try await Self.issueToken(r, namespace: route.namespace ?? "default", serviceAccount: name,
                                         request: request, handler: handler)
    }

    /// serviceaccounts/token: a bearer token for the service account, valid on this server
    /// until it restarts (ServiceAccount JWTs come with the token controller).
    static func issueToken(_ sa: ResourceInfo, namespace: String, serviceAccount: String, request: APIRequest,
                           handler: RequestHandler) async throws(APIError) -> APIResponse {
        let account = try await handler.readStored(sa, namespace: namespace, name: serviceAccount).object
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        let seconds = object["spec"]?["expirationSeconds"]?.intValue ?? 3600
        let token = "skiff-sa." + ClusterPKI.randomToken()
        handler.authenticator.addToken(token, user: UserInfo(
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
}
