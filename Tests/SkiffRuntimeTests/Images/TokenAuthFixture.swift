import Foundation
@testable import SkiffRuntime
import SkiffRuntimeTesting
import SkiffSystem

/// A bearer-token setup for docker-registry built in code: a throwaway RSA key and self-signed
/// certificate (openssl), one JWT granting pull and push on `repository`, and a static token
/// service (`busybox httpd`) answering `GET /token` with `{"token": …}`.
struct TokenAuthFixture {
    let directory: String
    let token: String
    let realm: String
    let service = "skiff-test"
    let issuer = "skiff-test-issuer"
    var certificate: String { directory + "/cert.pem" }
    private let server: Process

    init(directory: String, repository: String) async throws {
        self.directory = directory
        try await ImageSubprocess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/key.pem",
            "-out", directory + "/cert.pem", "-days", "1", "-subj", "/CN=skiff-token",
        ])
        try await ImageSubprocess.run("/usr/bin/openssl", ["x509", "-in", directory + "/cert.pem", "-outform", "DER", "-out", directory + "/cert.der"])
        let der = try Data(contentsOf: URL(fileURLWithPath: directory + "/cert.der"))
        let now = Int(Date().timeIntervalSince1970)
        let header: [String: Any] = ["alg": "RS256", "typ": "JWT", "x5c": [der.base64EncodedString()]]
        let claims: [String: Any] = [
            "iss": issuer, "sub": "skiff", "aud": service, "exp": now + 3600, "nbf": now - 60, "iat": now - 60,
            "jti": UUID().uuidString,
            "access": [["type": "repository", "name": repository, "actions": ["pull", "push"]]],
        ]
        let signingInput = try Self.base64URL(JSONSerialization.data(withJSONObject: header))
            + "." + Self.base64URL(JSONSerialization.data(withJSONObject: claims))
        try Data(signingInput.utf8).write(to: URL(fileURLWithPath: directory + "/input"))
        try await ImageSubprocess.run("/usr/bin/openssl", [
            "dgst", "-sha256", "-sign", directory + "/key.pem", "-out", directory + "/signature", directory + "/input",
        ])
        let signature = try Data(contentsOf: URL(fileURLWithPath: directory + "/signature"))
        token = signingInput + "." + Self.base64URL(signature)

        let root = directory + "/www"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: ["token": token]).write(to: URL(fileURLWithPath: root + "/token"))
        let port = try freeLoopbackPort()
        realm = "http://127.0.0.1:\(port)/token"
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/bin/busybox")
        server.arguments = ["httpd", "-f", "-p", "127.0.0.1:\(port)", "-h", root]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        // Wait until the token service accepts connections.
        for _ in 0..<100 {
            if (try? await ImageSubprocess.run("/bin/busybox", ["wget", "-q", "-O", "/dev/null", realm])) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func stop() {
        // busybox httpd may inherit an ignored SIGTERM from the test runner; SIGKILL always works.
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
