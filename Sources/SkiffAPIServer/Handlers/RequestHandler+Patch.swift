import SkiffAPI

extension RequestHandler {
    enum PatchType: Sendable { case json, merge, strategic }

    static func patchType(_ request: APIRequest) throws(APIError) -> PatchType {
        switch BodyDecoder.mediaType(request.header("content-type")) {
        case "application/json-patch+json": return .json
        case "application/merge-patch+json": return .merge
        case "application/strategic-merge-patch+json": return .strategic
        case "application/apply-patch+yaml", "application/apply-patch+cbor":
            throw APIError(code: 415, reason: .unsupportedMediaType,
                           message: "server-side apply is not supported by Skiff yet: use client-side apply (kubectl apply without --server-side)")
        case let other:
            throw APIError(code: 415, reason: .unsupportedMediaType,
                           message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got \(other))")
        }
    }

    /// Applies a patch document to `object`; patch errors are 422 as in Kubernetes.
    static func applyPatch(_ patch: JSONValue, type: PatchType, to object: JSONValue, kind: GroupVersionKind,
                           resource r: ResourceInfo) throws(APIError) -> JSONValue {
        do {
            switch type {
            case .json: return try JSONPatch.apply(patch, to: object)
            case .merge:
                guard case .object = patch else { throw PatchError(message: "merge patch must be a JSON object") }
                return MergePatch.apply(patch, to: object)
            case .strategic:
                guard case .object = patch else { throw PatchError(message: "strategic merge patch must be a JSON object") }
                return try StrategicMergePatch.apply(patch, to: object, kind: kind)
            }
        } catch let error as PatchError {
            if error.reason == .tooLarge {
                throw APIError(code: 413, reason: .requestEntityTooLarge, message: error.message)
            }
            throw APIError(code: 422, reason: .invalid, message: error.message, name: object.name, group: r.group, kind: r.kind)
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// Patches an object of `r`. With `servedAs` (a version served by conversion, see
    /// `handleConverted`), the patch applies to that version's form of the object and the result is
    /// converted back to `r`, the stored version; the response stays in the stored version.
    func patch(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest,
               servedAs served: ResourceInfo? = nil) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        let type = try Self.patchType(request)
        if type == .strategic, !(served ?? r).strategy.acceptsStrategicMerge {
            throw APIError(code: 415, reason: .unsupportedMediaType,
                           message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/apply-patch+cbor")
        }
        let patch = try BodyDecoder.decode(request.body, contentType: "application/json")
        let name = route.name ?? ""
        let scope: UpdateScope = route.subresource == "status" ? .status : .main
        let target = served ?? r
        var warnings: [String] = []
        let bytes = try await updateWithRetry(r, namespace: route.namespace, name: name, scope: scope, dryRun: request.dryRun) {
            (current: JSONValue) throws(APIError) -> JSONValue in
            let base = served?.strategy.convertFromStorage(current) ?? current
            var patched = try Self.applyPatch(patch, type: type, to: base, kind: target.gvk, resource: target)
            try checkTypeMeta(&patched, target)
            // A result Go cannot decode: kube-apiserver's 422 on the field "patch".
            if let error = GoLayout.decodingError(in: patched) {
                let value = "Invalid value: \(String(reflecting: patched.jsonString)): \(error)"
                throw APIError(code: 422, reason: .invalid, message: " \"\" is invalid: patch: \(value)", name: "", group: "",
                               kind: "", causes: [FieldCause(reason: "FieldValueInvalid", message: value, field: "patch")])
            }
            warnings = try validateFields(patched, target, request)
            return served?.strategy.convertToStorage(patched) ?? patched
        }
        return respondObject(bytes, r, form: form, warnings: warnings)
    }
}
