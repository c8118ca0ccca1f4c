import SkiffAPI

/// ClusterIPs from the service CIDR and NodePorts from 30000–32767, without duplicates. The
/// state is derived from the stored Services at start (`load`), so a restart keeps it.
actor ServiceAllocator {
    struct Allocation: Sendable {
        var ips: [UInt32] = []
        var ports: [Int] = []
    }

    let base: UInt32
    let size: UInt32
    let nodePortRange: ClosedRange<Int>
    private var usedIPs = Set<UInt32>()
    private var usedPorts = Set<Int>()
    private var nextIP: UInt32 = 10
    private var nextPort: Int

    /// `cidr` like "10.43.0.0/16".
    init(cidr: String = "10.43.0.0/16", nodePorts: ClosedRange<Int> = 30000...32767) {
        let parts = cidr.split(separator: "/")
        let bits = parts.count == 2 ? UInt32(parts[1]) ?? 16 : 16
        let address = parts.first.flatMap { Self.parse(String($0)) } ?? 0x0A2B_0000
        size = bits >= 32 ? 1 : (UInt32(1) << (32 - bits))
        base = address & ~(size &- 1)
        nodePortRange = nodePorts
        nextPort = nodePorts.lowerBound
    }

    /// The first usable address: the `kubernetes` Service's.
    nonisolated var firstAddress: String { Self.format(base + 1) }

    static func parse(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        return octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    static func format(_ ip: UInt32) -> String {
        "\(ip >> 24).\((ip >> 16) & 255).\((ip >> 8) & 255).\(ip & 255)"
    }

    func load(services: [JSONValue]) {
        for svc in services { mark(svc) }
    }

    private func mark(_ svc: JSONValue) {
        for ip in Self.clusterIPs(svc) { if let n = Self.parse(ip) { usedIPs.insert(n) } }
        for port in Self.nodePorts(svc) { usedPorts.insert(port) }
    }

    static func clusterIPs(_ svc: JSONValue) -> [String] {
        var ips = (svc["spec"]?["clusterIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let ip = svc["spec"]?["clusterIP"]?.stringValue, !ips.contains(ip) { ips.append(ip) }
        return ips.filter { $0 != "None" && !$0.isEmpty }
    }

    static func nodePorts(_ svc: JSONValue) -> [Int] {
        (svc["spec"]?["ports"]?.arrayValue ?? []).compactMap { $0["nodePort"]?.intValue.map(Int.init) }.filter { $0 > 0 }
    }

    private func invalid(_ r: ResourceInfo, _ svc: JSONValue, _ field: String, _ message: String) -> APIError {
        .invalid(r, svc.name, [FieldCause(reason: "FieldValueInvalid", message: message, field: field)])
    }

    /// Fills in `clusterIP(s)` and `nodePort`s of `svc` (keeping `old`'s), marking new ones used
    /// (not when `dryRun`). Returns what was newly taken, to release if the write fails.
    func allocate(for svc: inout JSONValue, old: JSONValue?, dryRun: Bool, resource r: ResourceInfo) throws(APIError) -> Allocation {
        var taken = Allocation()
        guard var spec = svc["spec"] else { return taken }
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        // ClusterIP: immutable once set.
        let oldIP = old?["spec"]?["clusterIP"]?.stringValue
        var ip = spec["clusterIP"]?.stringValue ?? ""
        if type == "ExternalName" {
            ip = ""
        } else if let oldIP, !oldIP.isEmpty {
            if !ip.isEmpty, ip != oldIP {
                throw invalid(r, svc, "spec.clusterIPs[0]", "Invalid value: \(Self.quoted(ip)): may not change once set")
            }
            ip = oldIP
        } else if ip.isEmpty {
            guard let n = freeIP() else {
                throw APIError(code: 500, reason: .internalError, message: "Internal error occurred: failed to allocate a serviceIP: range is full")
            }
            if !dryRun { usedIPs.insert(n); taken.ips.append(n) }
            ip = Self.format(n)
        } else if ip != "None" {
            guard let n = Self.parse(ip), n > base, n < base + size - 1 else {
                throw invalid(r, svc, "spec.clusterIPs", "Invalid value: []string{\(Self.quoted(ip))}: failed to allocate IP \(ip): the provided IP (\(ip)) is not in the valid range. The range of valid IPs is \(Self.format(base))/\(32 - size.trailingZeroBitCount)")
            }
            if usedIPs.contains(n) {
                throw invalid(r, svc, "spec.clusterIPs", "Invalid value: []string{\(Self.quoted(ip))}: failed to allocate IP \(ip): provided IP is already allocated")
            }
            if !dryRun { usedIPs.insert(n); taken.ips.append(n) }
        }
        if !ip.isEmpty {
            spec["clusterIP"] = .string(ip)
            spec["clusterIPs"] = .array([.string(ip)])
            if ip != "None" || spec["ipFamilies"] == nil {
                spec["ipFamilies"] = .array([.string("IPv4")])
                if spec["ipFamilyPolicy"] == nil { spec["ipFamilyPolicy"] = .string("SingleStack") }
            }
        }
        if type == "ExternalName" { spec["clusterIP"] = nil; spec["clusterIPs"] = nil }
        if type != "ExternalName", spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = .string("Cluster") }
        // NodePorts for NodePort and LoadBalancer services.
        if var ports = spec["ports"]?.arrayValue {
            let oldPorts = old?["spec"]?["ports"]?.arrayValue ?? []
            let oldUsed = Set(Self.nodePorts(old ?? .null))
            var inThis = Set<Int>()
            for i in ports.indices {
                guard type == "NodePort" || type == "LoadBalancer" else { ports[i]["nodePort"] = nil; continue }
                if let requested = ports[i]["nodePort"]?.intValue.map(Int.init), requested > 0 {
                    guard nodePortRange.contains(requested) else {
                        throw invalid(r, svc, "spec.ports[\(i)].nodePort", "Invalid value: \(requested): provided port is not in the valid range. The range of valid ports is \(nodePortRange.lowerBound)-\(nodePortRange.upperBound)")
                    }
                    if (usedPorts.contains(requested) && !oldUsed.contains(requested)) || inThis.contains(requested) {
                        throw invalid(r, svc, "spec.ports[\(i)].nodePort", "Invalid value: \(requested): provided port is already allocated")
                    }
                    inThis.insert(requested)
                    if !oldUsed.contains(requested), !dryRun { usedPorts.insert(requested); taken.ports.append(requested) }
                    continue
                }
                let match = oldPorts.first { $0["port"] == ports[i]["port"] && $0["protocol"] == ports[i]["protocol"] }
                if let kept = match?["nodePort"]?.intValue.map(Int.init), kept > 0, !inThis.contains(kept) {
                    ports[i]["nodePort"] = .int(Int64(kept))
                    inThis.insert(kept)
                    continue
                }
                guard let port = freePort(excluding: inThis) else {
                    throw APIError(code: 500, reason: .internalError, message: "Internal error occurred: failed to allocate a nodePort: range is full")
                }
                inThis.insert(port)
                if !dryRun { usedPorts.insert(port); taken.ports.append(port) }
                ports[i]["nodePort"] = .int(Int64(port))
            }
            spec["ports"] = .array(ports)
            if type == "NodePort" || type == "LoadBalancer", spec["externalTrafficPolicy"] == nil {
                spec["externalTrafficPolicy"] = .string("Cluster")
            }
        }
        svc["spec"] = spec
        return taken
    }

    private static func quoted(_ s: String) -> String { "\"\(s)\"" }

    private func freeIP() -> UInt32? {
        let usable = size > 2 ? size - 2 : 0
        guard usable > 0 else { return nil }
        for step in 0..<usable {
            let offset = (nextIP - 1 + step) % usable + 1
            let candidate = base + offset
            if !usedIPs.contains(candidate) {
                nextIP = offset + 1
                return candidate
            }
        }
        return nil
    }

    private func freePort(excluding: Set<Int>) -> Int? {
        let count = nodePortRange.count
        for step in 0..<count {
            let candidate = nodePortRange.lowerBound + (nextPort - nodePortRange.lowerBound + step) % count
            if !usedPorts.contains(candidate), !excluding.contains(candidate) {
                nextPort = candidate + 1 > nodePortRange.upperBound ? nodePortRange.lowerBound : candidate + 1
                return candidate
            }
        }
        return nil
    }

    func release(_ allocation: Allocation) {
        for ip in allocation.ips { usedIPs.remove(ip) }
        for port in allocation.ports { usedPorts.remove(port) }
    }

    func releaseAll(of svc: JSONValue) {
        for ip in Self.clusterIPs(svc) { if let n = Self.parse(ip) { usedIPs.remove(n) } }
        for port in Self.nodePorts(svc) { usedPorts.remove(port) }
    }

    /// After an update: frees node ports the service no longer uses.
    func releaseUnused(old: JSONValue, new: JSONValue) {
        for port in Set(Self.nodePorts(old)).subtracting(Self.nodePorts(new)) { usedPorts.remove(port) }
    }

    func reserve(ip: String) {
        if let n = Self.parse(ip) { usedIPs.insert(n) }
    }
}
