import Foundation
import SkiffAPI
import SkiffClient

/// A container spec the node cannot run as written (CreateContainerConfigError).
struct ContainerConfigError: Error, CustomStringConvertible {
    var description: String
}

extension Kubelet {
    /// The container's environment in order (envFrom, then env, each value `$(VAR)`-expanded
    /// against what came before), as "NAME=value" entries.
    func environment(for container: CoreV1.Container, pod: CoreV1.Pod, podIP: String) async throws -> [(String, String)] {
        var result: [(String, String)] = []
        var defined: [String: String] = [:]
        func define(_ name: String, _ value: String) {
            if defined[name] != nil { result.removeAll { $0.0 == name } }
            defined[name] = value
            result.append((name, value))
        }
        let namespace = pod.metadata?.namespace ?? "default"
        // Docker-link style variables of the Services in the pod's namespace (enableServiceLinks,
        // default true) and of the API server's `kubernetes` Service, first, so env can use them.
        for (name, value) in try await serviceEnvironment(namespace: namespace, links: pod.spec?.enableServiceLinks != false) {
            define(name, value)
        }
        for source in container.envFrom ?? [] {
            let prefix = source.prefix ?? ""
            if let ref = source.configMapRef {
                guard let map = try await configMap(ref.name ?? "", namespace: namespace, optional: ref.optional == true) else { continue }
                for (key, value) in (map.data ?? [:]).sorted(by: { $0.key < $1.key }) { define(prefix + key, value) }
            }
            if let ref = source.secretRef {
                guard let secret = try await secret(ref.name ?? "", namespace: namespace, optional: ref.optional == true) else { continue }
                for (key, value) in (secret.data ?? [:]).sorted(by: { $0.key < $1.key }) {
                    define(prefix + key, Self.decodeBase64Text(value))
                }
            }
        }
        for variable in container.env ?? [] {
            guard let name = variable.name else { continue }
            if let source = variable.valueFrom {
                if let value = try await resolve(source, container: container, pod: pod, podIP: podIP) { define(name, value) }
            } else {
                define(name, Expansion.expand(variable.value ?? "") { defined[$0] })
            }
        }
        return result
    }

    private func resolve(_ source: CoreV1.EnvVarSource, container: CoreV1.Container, pod: CoreV1.Pod, podIP: String) async throws -> String? {
        let namespace = pod.metadata?.namespace ?? "default"
        if let field = source.fieldRef {
            return try fieldValue(field.fieldPath ?? "", pod: pod, podIP: podIP)
        }
        if let ref = source.configMapKeyRef {
            guard let map = try await configMap(ref.name ?? "", namespace: namespace, optional: ref.optional == true) else { return nil }
            guard let value = map.data?[ref.key ?? ""] else {
                if ref.optional == true { return nil }
                throw ContainerConfigError(description: "couldn't find key \(ref.key ?? "") in ConfigMap \(namespace)/\(ref.name ?? "")")
            }
            return value
        }
        if let ref = source.secretKeyRef {
            guard let secret = try await secret(ref.name ?? "", namespace: namespace, optional: ref.optional == true) else { return nil }
            guard let value = secret.data?[ref.key ?? ""] else {
                if ref.optional == true { return nil }
                throw ContainerConfigError(description: "couldn't find key \(ref.key ?? "") in Secret \(namespace)/\(ref.name ?? "")")
            }
            return Self.decodeBase64Text(value)
        }
        if let ref = source.resourceFieldRef {
            return resourceValue(ref, container: container, pod: pod)
        }
        return nil
    }

    /// The downward API's field paths (pod fields; status.podIP from the sandbox).
    func fieldValue(_ path: String, pod: CoreV1.Pod, podIP: String) throws -> String {
        let meta = pod.metadata
        switch path {
        case "metadata.name": return meta?.name ?? ""
        case "metadata.namespace": return meta?.namespace ?? ""
        case "metadata.uid": return meta?.uid ?? ""
        case "spec.nodeName": return pod.spec?.nodeName ?? config.nodeName
        case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? ""
        case "status.hostIP", "status.hostIPs": return nodeIP
        case "status.podIP", "status.podIPs": return pod.spec?.hostNetwork == true ? nodeIP : podIP
        case "metadata.labels":
            return (meta?.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: "\n")
        case "metadata.annotations":
            return (meta?.annotations ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: "\n")
        default:
            for (prefix, map) in [("metadata.labels['", meta?.labels), ("metadata.annotations['", meta?.annotations)]
            where path.hasPrefix(prefix) && path.hasSuffix("']") {
                let key = String(path.dropFirst(prefix.count).dropLast(2))
                return map?[key] ?? ""
            }
            throw ContainerConfigError(description: "unsupported fieldPath: \(path)")
        }
    }

    /// limits/requests of cpu, memory and ephemeral-storage in units of the divisor (rounded up,
    /// as upstream); a missing limit is the node's allocatable.
    func resourceValue(_ ref: CoreV1.ResourceFieldSelector, container: CoreV1.Container, pod: CoreV1.Pod) -> String {
        let target = ref.containerName.flatMap { name in
            ((pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])).first { $0.name == name }
        } ?? container
        let parts = (ref.resource ?? "").split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "" }
        let resources = target.resources
        let value = (parts[0] == "limits" ? resources?.limits?[parts[1]] : resources?.requests?[parts[1]])
            ?? (parts[0] == "limits" ? statusBuilder.allocatable()[parts[1]] : nil)
            ?? Quantity(0)
        let divisor = ref.divisor ?? Quantity(1)
        if parts[1] == "cpu" {
            let d = max(divisor.milliValue, 1)
            return String((value.milliValue + d - 1) / d)
        }
        let d = max(divisor.value, 1)
        return String((value.value + d - 1) / d)
    }

    /// envvars.FromServices: `<NAME>_SERVICE_HOST`, `_SERVICE_PORT[_<PORT NAME>]`, and the link
    /// variables `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`, for Services with a ClusterIP.
    func serviceEnvironment(namespace: String, links: Bool) async throws -> [(String, String)] {
        var services: [CoreV1.Service] = []
        if links {
            services = (try? await client.list(CoreV1.Service.self, namespace: namespace).items) ?? []
        }
        if namespace != "default" || !links,
           let master = try? await client.get(CoreV1.Service.self, "kubernetes", namespace: "default") {
            services.removeAll { $0.metadata?.name == "kubernetes" }
            services.append(master)
        }
        var result: [(String, String)] = []
        for service in services.sorted(by: { ($0.metadata?.name ?? "") < ($1.metadata?.name ?? "") }) {
            guard let ip = service.spec?.clusterIP, !ip.isEmpty, ip != "None", let name = service.metadata?.name else { continue }
            let prefix = name.uppercased().replacingOccurrences(of: "-", with: "_")
            let ports = service.spec?.ports ?? []
            result.append((prefix + "_SERVICE_HOST", ip))
            guard let first = ports.first?.port else { continue }
            result.append((prefix + "_SERVICE_PORT", String(first)))
            for port in ports {
                if let portName = port.name, !portName.isEmpty, let number = port.port {
                    result.append((prefix + "_SERVICE_PORT_" + portName.uppercased().replacingOccurrences(of: "-", with: "_"), String(number)))
                }
            }
            for (index, port) in ports.enumerated() {
                guard let number = port.port else { continue }
                let proto = (port.protocol ?? "TCP")
                let url = "\(proto.lowercased())://\(ip):\(number)"
                if index == 0 { result.append((prefix + "_PORT", url)) }
                let link = "\(prefix)_PORT_\(number)_\(proto.uppercased())"
                result.append((link, url))
                result.append((link + "_PROTO", proto.lowercased()))
                result.append((link + "_PORT", String(number)))
                result.append((link + "_ADDR", ip))
            }
        }
        return result
    }

    func configMap(_ name: String, namespace: String, optional: Bool) async throws -> CoreV1.ConfigMap? {
        do {
            return try await client.get(CoreV1.ConfigMap.self, name, namespace: namespace)
        } catch let error as ClientError where error.isNotFound {
            if optional { return nil }
            throw ContainerConfigError(description: "configmap \"\(name)\" not found")
        }
    }

    func secret(_ name: String, namespace: String, optional: Bool) async throws -> CoreV1.Secret? {
        do {
            return try await client.get(CoreV1.Secret.self, name, namespace: namespace)
        } catch let error as ClientError where error.isNotFound {
            if optional { return nil }
            throw ContainerConfigError(description: "secret \"\(name)\" not found")
        }
    }

    static func decodeBase64(_ text: String) -> Data { Data(base64Encoded: text) ?? Data() }
    static func decodeBase64Text(_ text: String) -> String { String(decoding: decodeBase64(text), as: UTF8.self) }
}
