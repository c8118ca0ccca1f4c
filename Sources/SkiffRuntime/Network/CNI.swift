import Foundation

/// The pod network: one bridge with host-local IPAM, set up by the real CNI plugin binaries.
public struct CNIConfiguration: Sendable, Equatable {
    /// Directory holding the plugin binaries (Debian `containernetworking-plugins`).
    public var pluginDirectory: String
    public var networkName: String
    public var bridgeName: String
    /// Pod subnet in CIDR notation, e.g. "10.88.0.0/16".
    public var subnet: String
    /// host-local's allocation directory (one file per allocated IP).
    public var ipamDataDirectory: String
    /// Masquerade traffic leaving the pod subnet (iptables rules installed by the bridge plugin).
    public var ipMasquerade: Bool
    public var cniVersion: String

    public init(
        pluginDirectory: String = "/usr/lib/cni", networkName: String = "skiff", bridgeName: String = "skiff0",
        subnet: String = "10.88.0.0/16", ipamDataDirectory: String = "/var/lib/skiff/cni/networks",
        ipMasquerade: Bool = true, cniVersion: String = "1.0.0"
    ) {
        self.pluginDirectory = pluginDirectory; self.networkName = networkName; self.bridgeName = bridgeName
        self.subnet = subnet; self.ipamDataDirectory = ipamDataDirectory; self.ipMasquerade = ipMasquerade
        self.cniVersion = cniVersion
    }
}

/// Invokes CNI plugins per the CNI specification: the command in `CNI_COMMAND`, the network
/// configuration as JSON on stdin, the result as JSON on stdout, errors as JSON with a `msg`.
struct CNINetwork: Sendable {
    var configuration: CNIConfiguration

    struct Attachment: Sendable {
        var containerID: String
        var netnsPath: String
        var podName: String
        var podNamespace: String
        var portMappings: [PortMapping]
    }

    /// Attaches the namespace: loopback up, a veth on the bridge with an IP, then host ports.
    /// Returns the pod IP and the bridge result to keep for DEL. Rolls back on failure.
    func add(_ attachment: Attachment) async throws(RuntimeError) -> (ip: String, result: String) {
        // lo and eth0 are independent interfaces: bring them up concurrently.
        async let loopback = capture { () async throws(RuntimeError) -> String in
            try await invoke("ADD", plugin: loopbackConfig(), attachment: attachment, interface: "lo")
        }
        let bridged = await capture { () async throws(RuntimeError) -> String in
            try await invoke("ADD", plugin: bridgeConfig(), attachment: attachment, interface: "eth0")
        }
        let loopbackResult = await loopback
        if case .failure(let error) = loopbackResult {
            if case .success(let output) = bridged { try? await delete(attachment, result: output) }
            throw error
        }
        let output = try bridged.get()
        do throws(RuntimeError) {
            guard let ip = Self.firstIP(output) else {
                throw RuntimeError.commandFailed("cni bridge", 0, "result has no IP: \(output.prefix(4096))")
            }
            if !attachment.portMappings.isEmpty {
                _ = try await invoke("ADD", plugin: portmapConfig(attachment.portMappings, prevResult: output), attachment: attachment, interface: "eth0")
            }
            return (ip, output)
        } catch {
            try? await delete(attachment, result: output)
            throw error
        }
    }

    /// Detaches the namespace: removes host ports, the veth and the IP allocation. Each plugin's
    /// DEL runs even if an earlier one failed; the first error is reported.
    func delete(_ attachment: Attachment, result: String?) async throws(RuntimeError) {
        var firstError: RuntimeError?
        if !attachment.portMappings.isEmpty {
            do { _ = try await invoke("DEL", plugin: portmapConfig(attachment.portMappings, prevResult: result), attachment: attachment, interface: "eth0") }
            catch { firstError = firstError ?? error }
        }
        do { _ = try await invoke("DEL", plugin: bridgeConfig(prevResult: result), attachment: attachment, interface: "eth0") }
        catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }

    /// CNI CHECK of the bridge attachment (the plugin verifies the interface and IP are still in place).
    func check(_ attachment: Attachment, result: String) async throws(RuntimeError) {
        _ = try await invoke("CHECK", plugin: bridgeConfig(prevResult: result), attachment: attachment, interface: "eth0")
    }

    private func loopbackConfig() -> CNIPluginConfig {
        CNIPluginConfig(cniVersion: configuration.cniVersion, name: "loopback", type: "loopback")
    }

    private func bridgeConfig(prevResult: String? = nil) -> CNIPluginConfig {
        var config = CNIPluginConfig(cniVersion: configuration.cniVersion, name: configuration.networkName, type: "bridge")
        config.bridge = configuration.bridgeName
        config.isGateway = true
        config.ipMasq = configuration.ipMasquerade
        config.hairpinMode = true
        config.ipam = .init(type: "host-local", ranges: [[.init(subnet: configuration.subnet)]],
                            routes: [.init(dst: "0.0.0.0/0")], dataDir: configuration.ipamDataDirectory)
        config.prevResult = prevResult.flatMap(CNIResult.parse)
        return config
    }

    private func portmapConfig(_ mappings: [PortMapping], prevResult: String?) -> CNIPluginConfig {
        var config = CNIPluginConfig(cniVersion: configuration.cniVersion, name: configuration.networkName, type: "portmap")
        config.capabilities = ["portMappings": true]
        config.snat = true
        config.runtimeConfig = .init(portMappings: mappings.map {
            .init(hostPort: $0.hostPort, containerPort: $0.containerPort, protocol: $0.protocol.rawValue.lowercased(),
                  hostIP: $0.hostIP.isEmpty ? nil : $0.hostIP)
        })
        config.prevResult = prevResult.flatMap(CNIResult.parse)
        return config
    }

    private func invoke(_ command: String, plugin: CNIPluginConfig, attachment: Attachment, interface: String) async throws(RuntimeError) -> String {
        let type = plugin.type
        let input: Data
        do { input = try plugin.encoded() } catch {
            throw .invalidArgument("CNI config for \(type): \(error)")
        }
        let environment = [
            "CNI_COMMAND=\(command)", "CNI_CONTAINERID=\(attachment.containerID)", "CNI_NETNS=\(attachment.netnsPath)",
            "CNI_IFNAME=\(interface)", "CNI_PATH=\(configuration.pluginDirectory)",
            "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=\(attachment.podNamespace);K8S_POD_NAME=\(attachment.podName);K8S_POD_INFRA_CONTAINER_ID=\(attachment.containerID)",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ]
        let output = try await Subprocess.run([configuration.pluginDirectory + "/" + type], input: Array(input), environment: environment,
                                              outputLimit: Self.maximumOutputBytes)
        if output.outputLimitExceeded {
            throw .commandFailed("cni \(type) \(command)", output.exitCode, "plugin output exceeds \(Self.maximumOutputBytes) bytes")
        }
        guard output.exitCode == 0 else {
            let message = CNIErrorResult.parse(output.stdoutText)?.msg ?? (output.stdoutText + output.stderrText)
            throw .commandFailed("cni \(type) \(command)", output.exitCode, String(message.prefix(4096)))
        }
        return output.stdoutText
    }

    /// A CNI result is a few kilobytes; 1 MiB leaves room for many interfaces and routes.
    static let maximumOutputBytes = 1 << 20

    /// The first address of a CNI result (without the prefix length).
    static func firstIP(_ result: String) -> String? {
        for entry in CNIResult.parse(result)?.ips ?? [] {
            if let ip = entry.address.split(separator: "/").first { return String(ip) }
        }
        return nil
    }
}
