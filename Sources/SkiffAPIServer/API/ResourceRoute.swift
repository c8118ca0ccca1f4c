/// A parsed resource URL: `/api/v1/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]` or the
/// same under `/apis/{group}/{version}`.
package struct ResourceRoute: Sendable, Equatable {
    var group: String
    var version: String
    var namespace: String?
    var plural: String
    var name: String?
    var subresource: String?

    /// `path` is the raw (still percent-encoded) path: it is split first and each segment decoded
    /// afterwards, so `%2F` cannot add a segment: it stays inside one, where no resource, namespace
    /// or name can match it (`hasEncodedSlash`, 404). Undecodable segments match no route.
    package static func parse(_ path: String) -> ResourceRoute? {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let segment = String(raw).removingPercentEncoding else { return nil }
            segments.append(segment)
        }
        guard let root = segments.first else { return nil }
        var group = ""
        let version: String
        if root == "api", segments.count >= 3 {
            version = segments[1]
            segments.removeFirst(2)
        } else if root == "apis", segments.count >= 4 {
            group = segments[1]
            version = segments[2]
            segments.removeFirst(3)
        } else {
            return nil
        }
        if segments.first == "watch" { return nil }
        var namespace: String?
        if segments.count >= 3, segments[0] == "namespaces",
           !(segments.count == 3 && group.isEmpty && (segments[2] == "status" || segments[2] == "finalize")) {
            namespace = segments[1]
            segments.removeFirst(2)
        }
        guard !segments.isEmpty, segments.count <= 3 else { return nil }
        return ResourceRoute(group: group, version: version, namespace: namespace, plural: segments[0],
                             name: segments.count > 1 ? segments[1] : nil,
                             subresource: segments.count > 2 ? segments[2] : nil)
    }

    /// A segment held an encoded `/`: no Kubernetes name, namespace or resource contains one.
    var hasEncodedSlash: Bool {
        [group, version, namespace ?? "", plural, name ?? "", subresource ?? ""].contains { $0.contains("/") }
    }
}
