import Foundation
import Synchronization

/// Who made a request, as Kubernetes' `UserInfo`.
public struct UserInfo: Sendable, Hashable {
    public var username: String
    public var uid: String
    public var groups: [String]

    public init(username: String, uid: String = "", groups: [String]) {
        self.username = username
        self.uid = uid
        self.groups = groups
    }
}

/// Authenticates bearer tokens and verified client certificates (the TLS layer has already
/// checked the certificate against the cluster CA; here its subject becomes the user:
/// CN → username, O → groups, as kube-apiserver does).
public final class Authenticator: Sendable {
    private let tokens: Mutex<[String: UserInfo]>
    /// Issues and verifies ServiceAccount JWTs.
    public let serviceAccountTokens: ServiceAccountTokens

    public init(tokens: [String: UserInfo] = [:], serviceAccountTokens: ServiceAccountTokens = ServiceAccountTokens(keyPEM: nil)) {
        self.tokens = Mutex(tokens)
        self.serviceAccountTokens = serviceAccountTokens
    }

    /// Adds (or replaces) a static bearer token.
    public func addToken(_ token: String, user: UserInfo) {
        tokens.withLock { $0[token] = user }
    }

    func authenticate(bearer header: String?) -> UserInfo? {
        guard let header, header.count > 7, header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return tokens.withLock { $0[token] }
    }

    /// The verified claims of a ServiceAccount JWT in `header` (the caller checks that the
    /// account, and a bound pod, still exist).
    func serviceAccountClaims(bearer header: String?) -> ServiceAccountTokens.Claims? {
        guard let header, header.count > 7, header.lowercased().hasPrefix("bearer ") else { return nil }
        return serviceAccountTokens.verify(header.dropFirst(7).trimmingCharacters(in: .whitespaces))
    }

    static func user(commonName: String?, organizations: [String]) -> UserInfo? {
        guard let commonName, !commonName.isEmpty else { return nil }
        var groups = organizations
        groups.append("system:authenticated")
        return UserInfo(username: commonName, groups: groups)
    }
}
