#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRPCNIOTransportHTTP2Posix
import SkiffStore

/// Turns etcd client endpoints ("host:port", "http://host:port", "[::1]:2379") into a gRPC target.
enum EtcdEndpoints {
    struct HostPort: Equatable {
        var host: String
        var port: Int
    }

    static func parse(_ endpoint: String) throws(StoreError) -> HostPort {
        var rest = Substring(endpoint)
        if rest.hasPrefix("http://") { rest = rest.dropFirst("http://".count) }
        if rest.hasPrefix("https://") { throw .unavailable("etcd endpoint \(endpoint): TLS is not supported") }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"),
              let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port)
        else { throw .unavailable("etcd endpoint \(endpoint): expected host:port") }
        var host = rest[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw .unavailable("etcd endpoint \(endpoint): empty host") }
        return HostPort(host: String(host), port: port)
    }

    static func target(for endpoints: [String]) throws(StoreError) -> any ResolvableTarget {
        var parsed: [HostPort] = []
        for endpoint in endpoints { parsed.append(try parse(endpoint)) }
        guard let first = parsed.first else { throw .unavailable("no etcd endpoints given") }
        let pairs = parsed.map { (host: $0.host, port: $0.port) }
        if parsed.allSatisfy({ isIPv4($0.host) }) { return .ipv4(pairs: pairs) }
        if parsed.allSatisfy({ isIPv6($0.host) }) { return .ipv6(pairs: pairs) }
        guard parsed.count == 1 else {
            throw .unavailable("several etcd endpoints must all be IPv4 or all be IPv6 addresses")
        }
        return .dns(host: first.host, port: first.port)
    }

    static func isIPv4(_ host: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1
    }

    static func isIPv6(_ host: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, host, &address) == 1
    }
}
