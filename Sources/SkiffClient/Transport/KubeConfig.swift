import Foundation
import Yams

/// What a client needs to reach one API server, resolved from a kubeconfig context
/// (client-go's rest.Config): server URL, trust, and credentials as PEM bytes.
public struct RESTConfig: Sendable {
    public var server: String
    public var caPEM: [UInt8]?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    public var bearerToken: String?
    public var insecureSkipTLSVerify: Bool
    public var tlsServerName: String?
    /// The context's default namespace ("default" when unset).
    public var namespace: String

    public init(server: String, caPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
                bearerToken: String? = nil, insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil, namespace: String = "default") {
        self.server = server
        self.caPEM = caPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.bearerToken = bearerToken
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.namespace = namespace
    }
}

/// Kubeconfig parsing (clientcmd): the current (or a named) context's cluster and user.
/// Relative file paths are resolved against the kubeconfig's directory. Every problem is a
/// `ClientError` with reason `.configuration` whose message names the field.
public enum KubeConfig {
    /// Loads and resolves a kubeconfig file.
    public static func load(path: String, context: String? = nil) throws -> RESTConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail("cannot read kubeconfig \"\(path)\"")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), context: context, baseDirectory: base)
    }

    /// Parses kubeconfig YAML text.
    public static func parse(_ text: String, context: String? = nil, baseDirectory: String = ".") throws -> RESTConfig {
        let root: Any?
        do throws(YAMLAliasBudget.Exceeded) { try YAMLAliasBudget.check(text) } catch {
            throw fail("kubeconfig is not valid YAML: yaml: document contains excessive aliasing")
        }
        do { root = try Yams.load(yaml: text) } catch {
            throw fail("kubeconfig is not valid YAML: \(error)")
        }
        guard let doc = root as? [String: Any] else { throw fail("kubeconfig must be a YAML mapping") }
        if let kind = doc["kind"] as? String, kind != "Config" { throw fail("kind: expected \"Config\", got \"\(kind)\"") }

        let contextName = context ?? (doc["current-context"] as? String) ?? ""
        guard !contextName.isEmpty else { throw fail("current-context is not set and no context was given") }
        let ctx = try entry(doc, list: "contexts", field: "context", name: contextName)
        guard let clusterName = ctx["cluster"] as? String, !clusterName.isEmpty else {
            throw fail("contexts[\(contextName)].context.cluster is required")
        }
        let cluster = try entry(doc, list: "clusters", field: "cluster", name: clusterName)
        let userName = ctx["user"] as? String ?? ""
        let user = userName.isEmpty ? [:] : try entry(doc, list: "users", field: "user", name: userName)

        guard let server = cluster["server"] as? String, !server.isEmpty else {
            throw fail("clusters[\(clusterName)].cluster.server is required")
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw fail("clusters[\(clusterName)].cluster.server: \"\(server)\" is not an http(s) URL")
        }
        var config = RESTConfig(server: server)
        config.namespace = (ctx["namespace"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        config.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"] as? Bool ?? false
        config.tlsServerName = cluster["tls-server-name"] as? String
        let c = "clusters[\(clusterName)].cluster"
        config.caPEM = try material(cluster, dataKey: "certificate-authority-data", fileKey: "certificate-authority", at: c, base: baseDirectory)
        let u = "users[\(userName)].user"
        config.clientCertificatePEM = try material(user, dataKey: "client-certificate-data", fileKey: "client-certificate", at: u, base: baseDirectory)
        config.clientKeyPEM = try material(user, dataKey: "client-key-data", fileKey: "client-key", at: u, base: baseDirectory)
        if (config.clientCertificatePEM == nil) != (config.clientKeyPEM == nil) {
            throw fail("\(u): client-certificate and client-key must be given together")
        }
        if let token = user["token"] as? String, !token.isEmpty {
            config.bearerToken = token
        } else if let file = user["tokenFile"] as? String, !file.isEmpty {
            let bytes = try readFile(file, base: baseDirectory, field: "\(u).tokenFile")
            config.bearerToken = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if user["exec"] != nil || user["auth-provider"] != nil, config.bearerToken == nil, config.clientCertificatePEM == nil {
            throw fail("\(u): exec and auth-provider credentials are not supported")
        }
        return config
    }

    private static func entry(_ doc: [String: Any], list: String, field: String, name: String) throws -> [String: Any] {
        guard let items = doc[list] as? [Any] else { throw fail("\(list): missing or not a list (looking for \"\(name)\")") }
        for case let item as [String: Any] in items where (item["name"] as? String) == name {
            guard let body = item[field] as? [String: Any] else { throw fail("\(list)[\(name)].\(field): missing or not a mapping") }
            return body
        }
        throw fail("\(list): no entry named \"\(name)\"")
    }

    private static func material(_ map: [String: Any], dataKey: String, fileKey: String, at: String, base: String) throws -> [UInt8]? {
        if let data = map[dataKey] as? String, !data.isEmpty {
            let compact = data.filter { !$0.isWhitespace }
            guard let decoded = Data(base64Encoded: compact) else { throw fail("\(at).\(dataKey): not valid base64") }
            return Array(decoded)
        }
        if let file = map[fileKey] as? String, !file.isEmpty {
            return try readFile(file, base: base, field: "\(at).\(fileKey)")
        }
        return nil
    }

    private static func readFile(_ file: String, base: String, field: String) throws -> [UInt8] {
        let path = file.hasPrefix("/") ? file : (base as NSString).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(field): cannot read \"\(path)\"") }
        return Array(data)
    }

    static func fail(_ message: String) -> ClientError {
        ClientError(code: 0, reason: .configuration, message: message)
    }
}
