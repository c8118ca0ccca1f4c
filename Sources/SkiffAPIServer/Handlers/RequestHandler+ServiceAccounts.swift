import Foundation
import SkiffAPI

extension RequestHandler {
    /// The bearer token's user: a static token, or a ServiceAccount JWT whose account (and
    /// bound pod) still exist with the UIDs it names — a deleted account's tokens stop working.
    func authenticate(_ header: String?) async -> UserInfo? {
        if let user = authenticator.authenticate(bearer: header) { return user }
        guard let claims = authenticator.serviceAccountClaims(bearer: header) else { return nil }
        guard let account = await cachedObject("serviceaccounts", namespace: claims.namespace, name: claims.name),
              claims.uid.isEmpty || account.metadata["uid"]?.stringValue == claims.uid else { return nil }
        if let pod = claims.podName {
            guard let bound = await cachedObject("pods", namespace: claims.namespace, name: pod),
                  bound.metadata["uid"]?.stringValue == claims.podUID, bound.metadata["deletionTimestamp"] == nil else { return nil }
        }
        return ServiceAccountTokens.user(claims)
    }

    /// A core/v1 object from the watch cache.
    func cachedObject(_ plural: String, namespace: String, name: String) async -> JSONValue? {
        guard let r = registry.resource(group: "", version: "v1", plural: plural) else { return nil }
        return await caches.cache(for: r)?.get(key: r.key(namespace: namespace, name: name))?.object
    }
}
