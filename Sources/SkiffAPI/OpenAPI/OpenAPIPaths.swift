import Foundation

/// The path items of one resource: collection, item, watch and subresource paths with operations
/// tagged `x-kubernetes-action` and `x-kubernetes-group-version-kind`, in the shape kube-apiserver serves.
struct OpenAPIPaths {
    let resource: OpenAPIResource
    let kindSchema: String
    let listSchema: String

    private static let meta = "io.k8s.apimachinery.pkg.apis.meta.v1."

    private var prefix: String {
        resource.group.isEmpty ? "/api/\(resource.version)" : "/apis/\(resource.group)/\(resource.version)"
    }

    private var gvk: JSONValue { gvkJSON(resource.group, resource.version, resource.kind) }

    private var tag: String {
        let g = resource.group.isEmpty ? "core" : resource.group.replacingDots()
        return "\(g)_\(resource.version)"
    }

    /// e.g. "CoreV1Namespaced" / "AppsV1Namespaced" / "RbacAuthorizationV1" — operationId middle part.
    private var operationStem: String {
        let groupPart = resource.group.isEmpty ? "Core" : resource.group
            .replacingOccurrences(of: ".k8s.io", with: "")
            .split(separator: ".").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return groupPart + resource.version.prefix(1).uppercased() + resource.version.dropFirst()
    }

    private func has(_ verb: String) -> Bool { resource.verbs.contains(verb) }

    func pathItems(schemas: inout SchemaCollector) -> [(String, JSONValue)] {
        let ns = resource.namespaced ? "/namespaces/{namespace}" : ""
        let scope = resource.namespaced ? "Namespaced" : ""
        let collection = "\(prefix)\(ns)/\(resource.plural)"
        let item = "\(collection)/{name}"
        var result: [(String, JSONValue)] = []
        for name in ["Status", "DeleteOptions", "Patch", "WatchEvent", "ObjectMeta", "ListMeta"] {
            schemas.require(Self.meta + name)
        }

        // Collection: list (+watch parameters), create, deletecollection.
        var coll: [String: JSONValue] = ["parameters": .array(pathParameters(namespaced: resource.namespaced, named: false))]
        if has("list") {
            coll["get"] = operation("list", "list or watch objects of kind \(resource.kind)",
                                    "list\(operationStem)\(scope)\(resource.kind)", listParameters(),
                                    response: listSchema, streaming: has("watch"))
        }
        if has("create") {
            coll["post"] = operation("post", "create a \(resource.kind)", "create\(operationStem)\(scope)\(resource.kind)",
                                     writeParameters(), body: kindSchema, response: kindSchema, created: true)
        }
        if has("deletecollection") {
            coll["delete"] = operation("deletecollection", "delete collection of \(resource.kind)",
                                       "delete\(operationStem)Collection\(scope)\(resource.kind)",
                                       deleteParameters() + listParameters(), body: Self.meta + "DeleteOptions",
                                       response: Self.meta + "Status")
        }
        if coll.count > 1 { result.append((collection, .object(coll))) }

        // Item: read, replace, patch, delete.
        var one: [String: JSONValue] = ["parameters": .array(pathParameters(namespaced: resource.namespaced, named: true))]
        if has("get") {
            one["get"] = operation("get", "read the specified \(resource.kind)", "read\(operationStem)\(scope)\(resource.kind)",
                                   [], response: kindSchema)
        }
        if has("update") {
            one["put"] = operation("put", "replace the specified \(resource.kind)", "replace\(operationStem)\(scope)\(resource.kind)",
                                   writeParameters(), body: kindSchema, response: kindSchema, created: true)
        }
        if has("patch") {
            one["patch"] = patchOperation("partially update the specified \(resource.kind)",
                                          "patch\(operationStem)\(scope)\(resource.kind)", response: kindSchema)
        }
        if has("delete") {
            one["delete"] = operation("delete", "delete a \(resource.kind)", "delete\(operationStem)\(scope)\(resource.kind)",
                                      deleteParameters(), body: Self.meta + "DeleteOptions", response: Self.meta + "Status")
        }
        if one.count > 1 { result.append((item, .object(one))) }

        // Cluster-wide list of a namespaced resource.
        if resource.namespaced && has("list") {
            let all = "\(prefix)/\(resource.plural)"
            result.append((all, .object([
                "parameters": .array(listParameters() + [pretty()]),
                "get": operation("list", "list or watch objects of kind \(resource.kind)",
                                 "list\(operationStem)\(resource.kind)ForAllNamespaces", [],
                                 response: listSchema, streaming: has("watch")),
            ])))
        }

        // Deprecated watch paths, still served by kube-apiserver.
        if has("watch") {
            let watchOp = { (action: String, id: String) in
                operation(action, "watch changes to an object of kind \(resource.kind)", id, [],
                          response: Self.meta + "WatchEvent", streaming: true)
            }
            result.append(("\(prefix)/watch\(ns)/\(resource.plural)", .object([
                "parameters": .array(pathParameters(namespaced: resource.namespaced, named: false) + listParameters()),
                "get": watchOp("watchlist", "watch\(operationStem)\(scope)\(resource.kind)List"),
            ])))
            result.append(("\(prefix)/watch\(ns)/\(resource.plural)/{name}", .object([
                "parameters": .array(pathParameters(namespaced: resource.namespaced, named: true) + listParameters()),
                "get": watchOp("watch", "watch\(operationStem)\(scope)\(resource.kind)"),
            ])))
        }

        for sub in resource.subresources {
            if let entry = subresourceItem(sub, item: item, scope: scope, schemas: &schemas) { result.append(entry) }
        }
        return result
    }

    private func subresourceItem(_ sub: String, item: String, scope: String, schemas: inout SchemaCollector) -> (String, JSONValue)? {
        let path = "\(item)/\(sub)"
        let camel = sub.prefix(1).uppercased() + sub.dropFirst()
        var entry: [String: JSONValue] = ["parameters": .array(pathParameters(namespaced: resource.namespaced, named: true))]
        switch sub {
        case "status", "scale", "ephemeralcontainers", "resize":
            var schema = kindSchema
            var opGVK = gvk
            if sub == "scale" {
                schema = "io.k8s.api.autoscaling.v1.Scale"
                schemas.require(schema)
                opGVK = gvkJSON("autoscaling", "v1", "Scale")
            }
            let stem = "\(operationStem)\(scope)\(resource.kind)\(camel)"
            entry["get"] = operation("get", "read \(sub) of the specified \(resource.kind)", "read\(stem)", [],
                                     response: schema, gvkOverride: opGVK)
            entry["put"] = operation("put", "replace \(sub) of the specified \(resource.kind)", "replace\(stem)",
                                     writeParameters(), body: schema, response: schema, created: true, gvkOverride: opGVK)
            entry["patch"] = patchOperation("partially update \(sub) of the specified \(resource.kind)", "patch\(stem)",
                                            response: schema, gvkOverride: opGVK)
        case "binding", "eviction", "token":
            let target: (String, String, String, String) = switch sub {
            case "binding": ("io.k8s.api.core.v1.Binding", "", "v1", "Binding")
            case "eviction": ("io.k8s.api.policy.v1.Eviction", "policy", "v1", "Eviction")
            default: ("io.k8s.api.authentication.v1.TokenRequest", "authentication.k8s.io", "v1", "TokenRequest")
            }
            schemas.require(target.0)
            entry["post"] = operation("post", "create \(sub) of a \(resource.kind)", "create\(operationStem)\(scope)\(resource.kind)\(camel)",
                                      writeParameters(), body: target.0, response: target.0, created: true,
                                      gvkOverride: gvkJSON(target.1, target.2, target.3))
        default:
            return nil
        }
        return (path, .object(entry))
    }

    // MARK: operations

    private func operation(_ action: String, _ description: String, _ id: String, _ parameters: [JSONValue],
                           body: String? = nil, response: String, created: Bool = false, streaming: Bool = false,
                           gvkOverride: JSONValue? = nil) -> JSONValue {
        var op: [String: JSONValue] = [
            "description": .string(description),
            "operationId": .string(id),
            "responses": responses(response, created: created, streaming: streaming),
            "tags": .array([.string(tag)]),
            "x-kubernetes-action": .string(action),
            "x-kubernetes-group-version-kind": gvkOverride ?? gvk,
        ]
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        if let body {
            op["requestBody"] = .object(["content": .object(["*/*": .object(["schema": .object(["$ref": .string(ref(body))])])]),
                                         "required": .bool(action != "delete" && action != "deletecollection")])
        }
        return .object(op)
    }

    private func patchOperation(_ description: String, _ id: String, response: String, gvkOverride: JSONValue? = nil) -> JSONValue {
        var op = operation("patch", description, id, writeParameters() + [query("force", "boolean",
            "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.")],
            response: response, gvkOverride: gvkOverride).objectValue ?? [:]
        let patchRef: JSONValue = .object(["schema": .object(["$ref": .string(ref(Self.meta + "Patch"))])])
        var content: [String: JSONValue] = [
            "application/apply-patch+yaml": patchRef,
            "application/json-patch+json": patchRef,
            "application/merge-patch+json": patchRef,
        ]
        // Custom resources take no strategic merge patch; kubectl apply reads this list to choose
        // its patch type (and falls back to a merge patch).
        if resource.schema == nil { content["application/strategic-merge-patch+json"] = patchRef }
        op["requestBody"] = .object([
            "content": .object(content),
            "required": .bool(true),
        ])
        return .object(op)
    }

    private func responses(_ schema: String, created: Bool, streaming: Bool) -> JSONValue {
        var content: [String: JSONValue] = [
            "application/json": .object(["schema": .object(["$ref": .string(ref(schema))])]),
            "application/yaml": .object(["schema": .object(["$ref": .string(ref(schema))])]),
        ]
        if streaming {
            content["application/json;stream=watch"] = .object(["schema": .object(["$ref": .string(ref(schema))])])
        }
        var r: [String: JSONValue] = ["200": .object(["description": .string("OK"), "content": .object(content)])]
        if created {
            r["201"] = .object(["description": .string("Created"), "content": .object(content)])
        }
        return .object(r)
    }

    // MARK: parameters

    private func query(_ name: String, _ type: String, _ description: String) -> JSONValue {
        .object([
            "description": .string(description),
            "in": .string("query"),
            "name": .string(name),
            "schema": .object(["type": .string(type), "uniqueItems": .bool(true)]),
        ])
    }

    private func pretty() -> JSONValue { query("pretty", "string", "If 'true', then the output is pretty printed.") }

    private func pathParameters(namespaced: Bool, named: Bool) -> [JSONValue] {
        var p: [JSONValue] = []
        if named {
            p.append(.object(["description": .string("name of the \(resource.kind)"), "in": .string("path"),
                              "name": .string("name"), "required": .bool(true),
                              "schema": .object(["type": .string("string"), "uniqueItems": .bool(true)])]))
        }
        if namespaced {
            p.append(.object(["description": .string("object name and auth scope, such as for teams and projects"),
                              "in": .string("path"), "name": .string("namespace"), "required": .bool(true),
                              "schema": .object(["type": .string("string"), "uniqueItems": .bool(true)])]))
        }
        p.append(pretty())
        return p
    }

    private func writeParameters() -> [JSONValue] {
        [
            query("dryRun", "string", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed"),
            query("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint."),
            query("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered."),
        ]
    }

    private func deleteParameters() -> [JSONValue] {
        [
            query("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
            query("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately."),
            query("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."),
            query("propagationPolicy", "string", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
        ]
    }

    private func listParameters() -> [JSONValue] {
        [
            query("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
            query("continue", "string", "The continue option should be set when retrieving more results from the server."),
            query("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
            query("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
            query("limit", "integer", "limit is a maximum number of responses to return for a list call."),
            query("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
            query("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
            query("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true`: the stream begins with synthetic events for all existing objects, followed by a bookmark annotated \"k8s.io/initial-events-end\"."),
            query("timeoutSeconds", "integer", "Timeout for the list/watch call."),
            query("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
        ]
    }
}

extension String {
    fileprivate func replacingDots() -> String {
        split(separator: ".").joined(separator: "_")
    }
}
