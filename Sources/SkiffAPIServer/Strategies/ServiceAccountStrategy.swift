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

    /// serviceaccounts/token (TokenRequest): a bound JWT for the service account, signed with
    /// the server's key, for the requested audiences (the API server's by default), at least
    /// 10 minutes long, optionally bound to a pod.
    static func issueToken(_ sa: ResourceInfo, namespace: String, serviceAccount: String, request: APIRequest,
                           handler: RequestHandler) async throws(APIError) -> APIResponse {
        let account = try await handler.readStored(sa, namespace: namespace, name: serviceAccount).object
        var object = try BodyDecoder.decode(request.body, contentType: request.header("content-type"))
        let seconds = object["spec"]?["expirationSeconds"]?.intValue ?? 3600
        var causes: [FieldCause] = []
        if seconds < 600 {
            causes.append(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: \(seconds): may not specify a duration less than 10 minutes",
                                     field: "spec.expirationSeconds"))
        } else if seconds > 1 << 32 {
            causes.append(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: \(seconds): may not specify a duration larger than 2^32 seconds",
                                     field: "spec.expirationSeconds"))
        }
        let tokens = handler.authenticator.serviceAccountTokens
        var audiences = object["spec"]?["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if audiences.isEmpty { audiences = tokens.audiences }
        var podName: String?, podUID: String?
        if let ref = object["spec"]?["boundObjectRef"], ref != .null {
            let kind = ref["kind"]?.stringValue ?? ""
            let name = ref["name"]?.stringValue ?? ""
            if kind == "Pod" {
                guard let pods = handler.registry.resource(group: "", version: "v1", plural: "pods") else { throw .internalError("no pods resource") }
                let pod = try await handler.readStored(pods, namespace: namespace, name: name).object
                let uid = pod.metadata["uid"]?.stringValue ?? ""
                if let want = ref["uid"]?.stringValue, !want.isEmpty, want != uid {
                    throw APIError(code: 409, reason: .conflict,
                                   message: "the UID in the bound object reference (\(want)) does not match the UID in record. The object might have been deleted and then recreated",
                                   name: serviceAccount, kind: "serviceaccounts")
                }
                podName = name
                podUID = uid
            } else if kind != "Secret" && kind != "Node" {
                causes.append(FieldCause(reason: "FieldValueNotSupported", message: "Unsupported value: \"\(kind)\": supported values: \"Pod\", \"Secret\", \"Node\"",
                                     field: "spec.boundObjectRef.kind"))
            }
        }
        if !causes.isEmpty {
            throw APIError(code: 422, reason: .invalid,
                           message: "TokenRequest.authentication.k8s.io \"\(serviceAccount)\" is invalid: " + causes.map { "\($0.field): \($0.message)" }.joined(separator: ", "),
                           name: serviceAccount, group: "authentication.k8s.io", kind: "TokenRequest", causes: causes)
        }
        let now = Date()
        let issued = Int64(now.timeIntervalSince1970)
        let token = tokens.issue(ServiceAccountTokens.Claims(
            namespace: namespace, name: serviceAccount, uid: account.metadata["uid"]?.stringValue ?? "", audiences: audiences,
            issuedAt: issued, expires: issued + seconds, podName: podName, podUID: podUID, jti: UUID().uuidString.lowercased()))
        object["kind"] = .string("TokenRequest")
        object["apiVersion"] = .string("authentication.k8s.io/v1")
        object["metadata"] = .object(["name": .string(serviceAccount), "namespace": .string(namespace), "creationTimestamp": .null])
        var spec = object["spec"] ?? .object([:])
        spec["expirationSeconds"] = .int(seconds)
        spec["audiences"] = .array(audiences.map { .string($0) })
        object["spec"] = spec
        object["status"] = .object([
            "token": .string(token),
            "expirationTimestamp": .string(Timestamp.format(now.addingTimeInterval(Double(seconds)))),
        ])
        return .json(object, status: 201)
    }
}
