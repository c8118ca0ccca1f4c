import SkiffAPI
import SkiffClient

/// A served resource found through discovery (client-go's `ServerPreferredResources`).
struct ServerResource: Sendable, Hashable {
    var descriptor: ResourceDescriptor
    var verbs: Set<String>
}

/// Discovery through the API: every group at its preferred version, resources without
/// subresources. Controllers that must see custom resources added later (namespace
/// deletion, garbage collection) ask again on each pass instead of using a fixed table.
enum ServerResources {
    static func preferred(_ client: Client) async throws -> [ServerResource] {
        var versions: [(group: String, version: String)] = [("", "v1")]
        let groups = try JSONValue.parse(try await client.send(ClientRequest(method: "GET", path: "/apis")))
        for g in groups["groups"]?.arrayValue ?? [] {
            guard let name = g["name"]?.stringValue,
                  let v = g["preferredVersion"]?["version"]?.stringValue ?? g["versions"]?.arrayValue?.first?["version"]?.stringValue else { continue }
            versions.append((name, v))
        }
        var out: [ServerResource] = []
        for (group, version) in versions {
            let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
            let list: JSONValue
            do {
                list = try JSONValue.parse(try await client.send(ClientRequest(method: "GET", path: path)))
            } catch let e as ClientError where e.isNotFound {
                continue  // a group removed meanwhile (a CRD deleted)
            }
            for r in list["resources"]?.arrayValue ?? [] {
                guard let plural = r["name"]?.stringValue, !plural.contains("/"), let kind = r["kind"]?.stringValue else { continue }
                let verbs = Set(r["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                out.append(ServerResource(
                    descriptor: ResourceDescriptor(group: group, version: version, resource: plural, kind: kind,
                                                   namespaced: r["namespaced"]?.boolValue ?? false),
                    verbs: verbs))
            }
        }
        return out
    }
}
