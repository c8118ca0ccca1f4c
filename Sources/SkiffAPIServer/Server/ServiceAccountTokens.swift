import Crypto
import Foundation
import SkiffAPI

/// Bound ServiceAccount tokens (kube-apiserver's TokenRequest issuer and its JWT
/// authenticator): ES256 JWTs with upstream's claims, signed by the server's `sa.key`.
/// Tokens carry the ServiceAccount's UID; the request handler checks that the account
/// still exists with it before a token counts (as kube-apiserver's validator does).
public final class ServiceAccountTokens: Sendable {
    public static let defaultIssuer = "https://kubernetes.default.svc.cluster.local"
    let key: P256.Signing.PrivateKey
    let issuer: String
    /// Audiences the API server accepts (--api-audiences; the issuer by default).
    let audiences: [String]

    public init(keyPEM: String?, issuer: String = ServiceAccountTokens.defaultIssuer) {
        key = keyPEM.flatMap { try? P256.Signing.PrivateKey(pemRepresentation: $0) } ?? P256.Signing.PrivateKey()
        self.issuer = issuer
        audiences = [issuer]
    }

    /// The claims of a token for `namespace/name`, optionally bound to a pod.
    struct Claims: Sendable, Equatable {
        var namespace: String
        var name: String
        var uid: String
        var audiences: [String]
        var issuedAt: Int64
        var expires: Int64
        var podName: String?
        var podUID: String?
        var jti: String
    }

    /// A signed compact JWS.
    func issue(_ c: Claims) -> String {
        var k8s: [String: JSONValue] = [
            "namespace": .string(c.namespace),
            "serviceaccount": .object(["name": .string(c.name), "uid": .string(c.uid)]),
        ]
        if let pod = c.podName { k8s["pod"] = .object(["name": .string(pod), "uid": .string(c.podUID ?? "")]) }
        let payload: JSONValue = .object([
            "aud": .array(c.audiences.map { .string($0) }), "exp": .int(c.expires), "iat": .int(c.issuedAt),
            "iss": .string(issuer), "jti": .string(c.jti), "kubernetes.io": .object(k8s), "nbf": .int(c.issuedAt),
            "sub": .string("system:serviceaccount:\(c.namespace):\(c.name)"),
        ])
        let header: JSONValue = .object(["alg": .string("ES256"), "kid": .string(keyID), "typ": .string("JWT")])
        let signingInput = Self.base64url(header.serialized()) + "." + Self.base64url(payload.serialized())
        let signature = (try? key.signature(for: Array(signingInput.utf8)))?.rawRepresentation ?? Data()
        return signingInput + "." + Self.base64url(Array(signature))
    }

    /// The verified claims of `token`, or nil (not ours, bad signature, expired, wrong audience).
    func verify(_ token: String, now: Date = Date()) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count < 16 * 1024,
              let header = Self.decode(parts[0]).flatMap({ try? JSONValue.parse($0) }), header["alg"]?.stringValue == "ES256",
              let signature = Self.decode(parts[2]), let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
              key.publicKey.isValidSignature(sig, for: Array("\(parts[0]).\(parts[1])".utf8)),
              let payload = Self.decode(parts[1]).flatMap({ try? JSONValue.parse($0) }),
              payload["iss"]?.stringValue == issuer else { return nil }
        let t = Int64(now.timeIntervalSince1970)
        guard let exp = payload["exp"]?.intValue, exp > t else { return nil }
        if let nbf = payload["nbf"]?.intValue, nbf > t + 60 { return nil }
        let aud = payload["aud"]?.arrayValue?.compactMap(\.stringValue) ?? payload["aud"]?.stringValue.map { [$0] } ?? []
        guard aud.contains(where: audiences.contains) else { return nil }
        let k8s = payload["kubernetes.io"]
        guard let ns = k8s?["namespace"]?.stringValue, let name = k8s?["serviceaccount"]?["name"]?.stringValue else { return nil }
        return Claims(namespace: ns, name: name, uid: k8s?["serviceaccount"]?["uid"]?.stringValue ?? "", audiences: aud,
                      issuedAt: payload["iat"]?.intValue ?? 0, expires: exp, podName: k8s?["pod"]?["name"]?.stringValue,
                      podUID: k8s?["pod"]?["uid"]?.stringValue, jti: payload["jti"]?.stringValue ?? "")
    }

    /// The user a token authenticates as: upstream's username and groups.
    static func user(_ c: Claims) -> UserInfo {
        UserInfo(username: "system:serviceaccount:\(c.namespace):\(c.name)", uid: c.uid,
                 groups: ["system:serviceaccounts", "system:serviceaccounts:\(c.namespace)", "system:authenticated"])
    }

    /// The key ID: base64url SHA-256 of the public key's DER, as kube-apiserver derives it.
    var keyID: String { Self.base64url(Array(SHA256.hash(data: key.publicKey.derRepresentation))) }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ part: Substring) -> [UInt8]? {
        var s = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { Array($0) }
    }
}
