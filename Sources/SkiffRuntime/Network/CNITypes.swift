import Foundation

/// One plugin's network configuration as the CNI specification (1.0) passes it on stdin: the
/// common keys, the bridge and portmap plugins' keys Skiff sets, and the previous result on
/// DEL and CHECK. Nil members are left out.
struct CNIPluginConfig: Encodable, Sendable {
    let cniVersion: String
    let name: String
    let type: String
    // bridge
    var bridge: String?
    var isGateway: Bool?
    var ipMasq: Bool?
    var hairpinMode: Bool?
    var ipam: IPAM?
    // portmap
    var capabilities: [String: Bool]?
    var snat: Bool?
    var runtimeConfig: RuntimeConfig?
    var prevResult: CNIResult?

    /// host-local IP address management.
    struct IPAM: Encodable, Sendable {
        var type: String
        var ranges: [[Range]]
        var routes: [CNIResult.Route]
        var dataDir: String
    }

    struct Range: Encodable, Sendable {
        var subnet: String
    }

    struct RuntimeConfig: Encodable, Sendable {
        var portMappings: [PortMappingEntry]
    }

    struct PortMappingEntry: Encodable, Sendable {
        var hostPort: Int32
        var containerPort: Int32
        var `protocol`: String
        var hostIP: String?
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A plugin's result (CNI 1.0 `Result`): interfaces, addresses, routes, DNS.
package struct CNIResult: Codable, Sendable, Equatable {
    var cniVersion: String?
    var interfaces: [Interface]?
    var ips: [IP]?
    var routes: [Route]?
    var dns: DNS?

    struct Interface: Codable, Sendable, Equatable {
        var name: String
        var mac: String?
        var mtu: Int?
        /// The network namespace path, for interfaces inside the sandbox.
        var sandbox: String?
    }

    struct IP: Codable, Sendable, Equatable {
        /// CIDR notation, e.g. "10.88.0.5/16".
        var address: String
        var gateway: String?
        /// Index into `interfaces`.
        var interface: Int?
    }

    struct Route: Codable, Sendable, Equatable {
        var dst: String
        var gw: String?
    }

    struct DNS: Codable, Sendable, Equatable {
        var nameservers: [String]?
        var domain: String?
        var search: [String]?
        var options: [String]?
    }

    package static func parse(_ json: String) -> CNIResult? {
        try? JSONDecoder().decode(CNIResult.self, from: Data(json.utf8))
    }
}

/// A plugin's error report (CNI `Error`: `{"code": …, "msg": …, "details": …}`); only the
/// message is read.
package struct CNIErrorResult: Decodable, Sendable {
    var msg: String?

    package static func parse(_ json: String) -> CNIErrorResult? {
        try? JSONDecoder().decode(CNIErrorResult.self, from: Data(json.utf8))
    }
}
