import SkiffAPI

/// Endpoints of one address type sharing one port list: the content of one or more slices.
struct SliceGroup: Equatable, Sendable {
    var addressType: String
    var ports: [DiscoveryV1.EndpointPort]
    var endpoints: [DiscoveryV1.Endpoint]

    var key: String { Self.key(addressType, ports) }

    static func key(_ addressType: String, _ ports: [DiscoveryV1.EndpointPort]?) -> String {
        addressType + "|" + (ports ?? []).map { "\($0.name ?? "")/\($0.port ?? 0)/\($0.protocol ?? "")/\($0.appProtocol ?? "")" }.joined(separator: ",")
    }
}

/// What to write so a set of owned slices holds exactly the desired groups.
struct SlicePlan: Equatable, Sendable {
    var create: [DiscoveryV1.EndpointSlice] = []
    var update: [DiscoveryV1.EndpointSlice] = []
    var delete: [String] = []

    var isEmpty: Bool { create.isEmpty && update.isEmpty && delete.isEmpty }

    /// Groups are cut into chunks of at most `maxPerSlice` endpoints; chunk i of a group goes into
    /// the i-th existing slice of the same address type and ports (by name), so a steady Service
    /// rewrites nothing; surplus chunks are created from `template`, surplus slices deleted.
    /// An empty `groups` keeps one placeholder slice without endpoints (upstream does the same so
    /// readers can tell "no endpoints" from "not yet processed").
    static func make(groups: [SliceGroup], existing: [DiscoveryV1.EndpointSlice], maxPerSlice: Int,
                     placeholderType: String, labels: [String: String],
                     template: (SliceGroup) -> DiscoveryV1.EndpointSlice) -> SlicePlan {
        var plan = SlicePlan()
        var wanted: [(key: String, group: SliceGroup)] = []
        for g in groups {
            let sorted = g.endpoints.sorted(by: endpointOrder)
            var start = 0
            repeat {
                let chunk = Array(sorted[start..<min(start + maxPerSlice, sorted.count)])
                wanted.append((g.key, SliceGroup(addressType: g.addressType, ports: g.ports, endpoints: chunk)))
                start += maxPerSlice
            } while start < sorted.count
        }
        if wanted.isEmpty {
            let placeholder = SliceGroup(addressType: placeholderType, ports: [], endpoints: [])
            wanted.append((placeholder.key, placeholder))
        }
        var pool: [String: [DiscoveryV1.EndpointSlice]] = [:]
        for s in existing.sorted(by: { ($0.metadata?.name ?? "") < ($1.metadata?.name ?? "") }) {
            pool[SliceGroup.key(s.addressType ?? "", s.ports), default: []].append(s)
        }
        for (key, group) in wanted {
            let want = template(group)
            if var slice = pool[key]?.first {
                pool[key]?.removeFirst()
                let mergedLabels = (slice.metadata?.labels ?? [:]).merging(labels) { _, new in new }
                if (slice.endpoints ?? []) != (want.endpoints ?? []) || (slice.metadata?.labels ?? [:]) != mergedLabels {
                    slice.endpoints = want.endpoints
                    slice.ports = want.ports
                    slice.metadata?.labels = mergedLabels
                    slice.metadata?.annotations = want.metadata?.annotations
                    plan.update.append(slice)
                }
            } else {
                plan.create.append(want)
            }
        }
        plan.delete = pool.values.flatMap { $0 }.compactMap(\.metadata?.name).sorted()
        return plan
    }

    static func endpointOrder(_ a: DiscoveryV1.Endpoint, _ b: DiscoveryV1.Endpoint) -> Bool {
        (a.targetRef?.name ?? "", a.addresses?.first ?? "") < (b.targetRef?.name ?? "", b.addresses?.first ?? "")
    }
}
