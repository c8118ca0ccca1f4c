/// An IPv4 network in CIDR notation (`10.42.0.0/16`). Hollow nodes need just enough of this to
/// hand out node subnets and pod addresses; no other module needs it yet.
package struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits cleared).
    package let network: UInt32
    package let prefixLength: Int

    package init(network: UInt32, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.network = prefixLength == 0 ? 0 : network & (UInt32.max << UInt32(32 - prefixLength))
    }

    /// Parses `a.b.c.d/n`; nil when malformed.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4CIDR.parseAddress(String(parts[0])),
              let length = Int(parts[1]), (0 ... 32).contains(length)
        else { return nil }
        self.init(network: address, prefixLength: length)
    }

    /// Number of addresses in the network (2^(32-n)).
    package var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    package var description: String { IPv4CIDR.format(network) + "/" + String(prefixLength) }

    /// The `index`-th subnet of length `length` inside this network; nil when out of range.
    package func subnet(_ index: Int, length: Int) -> IPv4CIDR? {
        guard length >= prefixLength, length <= 32, index >= 0 else { return nil }
        let count = UInt64(1) << UInt64(length - prefixLength)
        guard UInt64(index) < count else { return nil }
        let step = UInt64(1) << UInt64(32 - length)
        return IPv4CIDR(network: network &+ UInt32(truncatingIfNeeded: UInt64(index) * step), prefixLength: length)
    }

    /// Index of `other` among this network's subnets of `other`'s length; nil when outside.
    package func subnetIndex(of other: IPv4CIDR) -> Int? {
        guard other.prefixLength >= prefixLength, other.network & mask == network else { return nil }
        return Int((other.network - network) >> UInt32(32 - other.prefixLength))
    }

    /// The address at `offset` from the network address, as text; nil beyond the network.
    package func address(at offset: UInt64) -> String? {
        guard offset < size else { return nil }
        return IPv4CIDR.format(network &+ UInt32(truncatingIfNeeded: offset))
    }

    var mask: UInt32 { prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength) }

    package static func parseAddress(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    package static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }
}
