import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime

extension Kubelet {
    /// Registry credentials for `image` from the pod's `imagePullSecrets` (types
    /// kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg), in the order listed; empty
    /// when none matches (the pull is then anonymous). A missing secret is skipped, as upstream.
    func pullCredentials(for image: String, pod: CoreV1.Pod) async -> [RegistryCredentials] {
        guard let registry = (try? ImageReference(parsing: image))?.registry else { return [] }
        var result: [RegistryCredentials] = []
        for reference in pod.spec?.imagePullSecrets ?? [] {
            guard let name = reference.name,
                  let secret = try? await client.get(CoreV1.Secret.self, name, namespace: pod.metadata?.namespace ?? "default")
            else { continue }
            let data = secret.data ?? [:]
            let raw = data[".dockerconfigjson"] ?? data[".dockercfg"]
            guard let raw, let entries = Self.dockerConfigEntries(Self.decodeBase64(raw)) else { continue }
            for (server, credentials) in entries where Self.registryMatches(server, registry) {
                result.append(credentials)
            }
        }
        return result
    }

    /// The `auths` of a docker config (or the top level of the legacy .dockercfg): server → credentials.
    static func dockerConfigEntries(_ data: Data) -> [(String, RegistryCredentials)]? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        let auths = (object["auths"] as? [String: Any]) ?? object
        var result: [(String, RegistryCredentials)] = []
        for (server, value) in auths.sorted(by: { $0.key < $1.key }) {
            guard let entry = value as? [String: Any] else { continue }
            var username = entry["username"] as? String
            var password = entry["password"] as? String
            if username == nil, let auth = entry["auth"] as? String, let decoded = Data(base64Encoded: auth) {
                let text = String(decoding: decoded, as: UTF8.self)
                if let colon = text.firstIndex(of: ":") {
                    username = String(text[..<colon])
                    password = String(text[text.index(after: colon)...])
                }
            }
            guard username != nil || entry["registrytoken"] != nil else { continue }
            result.append((server, RegistryCredentials(username: username, password: password,
                                                       bearerToken: entry["registrytoken"] as? String)))
        }
        return result
    }

    /// Whether a docker config key (`https://index.docker.io/v1/`, `registry:5000`, …) names `registry`.
    static func registryMatches(_ server: String, _ registry: String) -> Bool {
        var host = server
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = String(host.dropFirst(scheme.count)) }
        host = String(host.split(separator: "/").first ?? "")
        let dockerHub: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]
        if dockerHub.contains(registry) { return dockerHub.contains(host) }
        return host == registry
    }
}
