import Foundation
import Testing
@testable import SkiffClient

@Suite("Kubeconfig parsing", .timeLimit(.minutes(1)))
struct KubeConfigTests {
    static let valid = """
    apiVersion: v1
    kind: Config
    current-context: admin@skiff
    clusters:
    - name: skiff
      cluster:
        server: https://127.0.0.1:6443
        certificate-authority-data: \(Data("CA PEM".utf8).base64EncodedString())
    contexts:
    - name: admin@skiff
      context:
        cluster: skiff
        user: admin
        namespace: team
    users:
    - name: admin
      user:
        client-certificate-data: \(Data("CERT".utf8).base64EncodedString())
        client-key-data: \(Data("KEY".utf8).base64EncodedString())
        token: secret-token
    """

    @Test("the current context's server, CA, client certificate, token and namespace are resolved")
    func parsesValid() throws {
        let config = try KubeConfig.parse(Self.valid)
        #expect(config.server == "https://127.0.0.1:6443")
        #expect(config.caPEM == Array("CA PEM".utf8))
        #expect(config.clientCertificatePEM == Array("CERT".utf8))
        #expect(config.clientKeyPEM == Array("KEY".utf8))
        #expect(config.bearerToken == "secret-token")
        #expect(config.namespace == "team")
        #expect(config.insecureSkipTLSVerify == false)
    }

    @Test("file references are read relative to the kubeconfig's directory")
    func relativeFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-kubeconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "CA FILE".write(to: dir.appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)
        try "file-token\n".write(to: dir.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        let text = """
        current-context: c
        clusters: [{name: k, cluster: {server: "http://localhost:8080", certificate-authority: ca.crt, insecure-skip-tls-verify: true}}]
        contexts: [{name: c, context: {cluster: k, user: u}}]
        users: [{name: u, user: {tokenFile: token}}]
        """
        let path = dir.appendingPathComponent("config").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try KubeConfig.load(path: path)
        #expect(config.caPEM == Array("CA FILE".utf8))
        #expect(config.bearerToken == "file-token")
        #expect(config.insecureSkipTLSVerify)
        #expect(config.namespace == "default")
    }

    @Test("malformed kubeconfigs fail with a configuration error naming the problem",
          arguments: [
            ("clusters: [unclosed", "not valid YAML"),
            ("- just\n- a list", "must be a YAML mapping"),
            ("kind: Pod", "kind"),
            ("clusters: []", "current-context"),
            ("current-context: nope\ncontexts: []", "no entry named \"nope\""),
            ("current-context: c\ncontexts: [{name: c, context: {user: u}}]", "context.cluster is required"),
            ("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {}}]", "server is required"),
            ("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: ftp://x}}]", "not an http(s) URL"),
            ("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://x', certificate-authority-data: '%%%'}}]", "not valid base64"),
            ("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://x', certificate-authority: /nonexistent/ca.crt}}]", "cannot read"),
            ("current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://x'}}]\nusers: [{name: u, user: {client-certificate-data: QQ==}}]", "must be given together"),
          ])
    func malformed(text: String, fragment: String) {
        do {
            _ = try KubeConfig.parse(text)
            Issue.record("expected an error for \(text)")
        } catch let e as ClientError {
            #expect(e.reason == .configuration)
            #expect(e.message.contains(fragment), "\(e.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("a missing kubeconfig file is a configuration error")
    func missingFile() {
        #expect(throws: ClientError.self) { try KubeConfig.load(path: "/nonexistent/kubeconfig") }
    }

    @Test("a billion-laughs kubeconfig fails at go-yaml's alias budget instead of expanding (fuzz corpus kubeconfig/billion-laughs.yaml)")
    func billionLaughs() {
        var text = "kind: Config\ncurrent-context: c\na: &a [x,x,x,x,x,x,x,x,x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
            previous = name
        }
        text += "contexts: [*h]\n"
        do {
            _ = try KubeConfig.parse(text)
            Issue.record("expected an error")
        } catch let e as ClientError {
            #expect(e.message.contains("excessive aliasing"), "\(e.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
        // Ordinary anchors still work.
        let anchored = """
            current-context: c
            contexts: [{name: c, context: &ctx {cluster: k}}, {name: d, context: *ctx}]
            clusters: [{name: k, cluster: {server: 'https://x'}}]
            """
        #expect((try? KubeConfig.parse(anchored))?.server == "https://x")
    }
}
