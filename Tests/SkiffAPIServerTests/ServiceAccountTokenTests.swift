import Foundation
import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("ServiceAccount JWTs", .timeLimit(.minutes(1)))
struct ServiceAccountTokenTests {
    let tokens = ServiceAccountTokens(keyPEM: nil)

    func claims(expires: Int64 = Int64(Date().timeIntervalSince1970) + 3600,
                audiences: [String] = [ServiceAccountTokens.defaultIssuer]) -> ServiceAccountTokens.Claims {
        ServiceAccountTokens.Claims(namespace: "ns", name: "robot", uid: "sa-uid", audiences: audiences,
                                    issuedAt: Int64(Date().timeIntervalSince1970), expires: expires,
                                    podName: nil, podUID: nil, jti: "jti-1")
    }

    @Test("an issued token verifies back to its claims and the upstream user")
    func roundTrip() throws {
        let c = claims()
        let token = tokens.issue(c)
        #expect(tokens.verify(token) == c)
        let user = ServiceAccountTokens.user(c)
        #expect(user.username == "system:serviceaccount:ns:robot")
        #expect(user.groups == ["system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"])
        // Upstream claims.
        let payload = try #require(ServiceAccountTokens.decode(token.split(separator: ".")[1]).flatMap { try? JSONValue.parse($0) })
        #expect(payload["sub"]?.stringValue == "system:serviceaccount:ns:robot")
        #expect(payload["kubernetes.io"]?["serviceaccount"]?["uid"]?.stringValue == "sa-uid")
    }

    @Test("tampered, foreign, expired, wrong-audience and garbage tokens are refused")
    func refused() {
        let token = tokens.issue(claims())
        var parts = token.split(separator: ".").map(String.init)
        let forged = ServiceAccountTokens.base64url(Array(#"{"iss":"https://kubernetes.default.svc.cluster.local","sub":"system:serviceaccount:kube-system:admin","aud":["https://kubernetes.default.svc.cluster.local"],"exp":9999999999,"kubernetes.io":{"namespace":"kube-system","serviceaccount":{"name":"admin","uid":""}}}"#.utf8))
        parts[1] = forged
        #expect(tokens.verify(parts.joined(separator: ".")) == nil)
        #expect(ServiceAccountTokens(keyPEM: nil).verify(token) == nil)
        #expect(tokens.verify(tokens.issue(claims(expires: Int64(Date().timeIntervalSince1970) - 1))) == nil)
        #expect(tokens.verify(tokens.issue(claims(audiences: ["vault"]))) == nil)
        for garbage in ["", "a.b", "a.b.c", "...", String(repeating: "x", count: 20_000), "e30.e30.AAAA"] {
            #expect(tokens.verify(garbage) == nil)
        }
    }
}
