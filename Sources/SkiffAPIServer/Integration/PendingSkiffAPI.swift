// TEMPORARY stand-ins; deleted at merge when SkiffAPI provides them
import Foundation
import SkiffAPI

// MARK: defaulting / validation / tables

public enum Defaulting {
    public static func apply(to object: inout JSONValue, kind: GroupVersionKind) {
        func setDefault(_ o: inout JSONValue, _ key: String, _ value: JSONValue) { if o[key] == nil { o[key] = value } }
        func defaultContainers(_ spec: inout JSONValue, _ field: String) {
            guard var containers = spec[field]?.arrayValue else { return }
            for i in containers.indices {
                setDefault(&containers[i], "terminationMessagePath", .string("/dev/termination-log"))
                setDefault(&containers[i], "terminationMessagePolicy", .string("File"))
                let image = containers[i]["image"]?.stringValue ?? ""
                let tag = image.split(separator: "/").last.map { $0.split(separator: ":", maxSplits: 1) }
                let latest = !image.contains("@") && (tag.map { $0.count < 2 || $0[1] == "latest" } ?? true)
                setDefault(&containers[i], "imagePullPolicy", .string(latest ? "Always" : "IfNotPresent"))
                if var ports = containers[i]["ports"]?.arrayValue {
                    for p in ports.indices { setDefault(&ports[p], "protocol", .string("TCP")) }
                    containers[i]["ports"] = .array(ports)
                }
            }
            spec[field] = .array(containers)
        }
        func defaultPodSpec(_ spec: inout JSONValue) {
            setDefault(&spec, "restartPolicy", .string("Always"))
            setDefault(&spec, "dnsPolicy", .string("ClusterFirst"))
            setDefault(&spec, "terminationGracePeriodSeconds", .int(30))
            setDefault(&spec, "schedulerName", .string("default-scheduler"))
            setDefault(&spec, "securityContext", .object([:]))
            defaultContainers(&spec, "containers")
            defaultContainers(&spec, "initContainers")
        }
        switch (kind.group, kind.kind) {
        case ("", "Pod"):
            guard var spec = object["spec"] else { return }
            defaultPodSpec(&spec)
            object["spec"] = spec
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("batch", "Job"):
            guard var spec = object["spec"] else { return }
            if kind.kind != "DaemonSet" && kind.kind != "Job" { setDefault(&spec, "replicas", .int(1)) }
            if kind.kind == "Deployment" {
                setDefault(&spec, "revisionHistoryLimit", .int(10))
                setDefault(&spec, "progressDeadlineSeconds", .int(600))
                setDefault(&spec, "strategy", .object(["type": .string("RollingUpdate"), "rollingUpdate": .object([
                    "maxUnavailable": .string("25%"), "maxSurge": .string("25%")])]))
            }
            if var template = spec["template"], var podSpec = template["spec"] {
                defaultPodSpec(&podSpec)
                template["spec"] = podSpec
                spec["template"] = template
            }
            object["spec"] = spec
        case ("", "Service"):
            guard var spec = object["spec"] else { return }
            setDefault(&spec, "type", .string("ClusterIP"))
            setDefault(&spec, "sessionAffinity", .string("None"))
            if var ports = spec["ports"]?.arrayValue {
                for i in ports.indices {
                    setDefault(&ports[i], "protocol", .string("TCP"))
                    if ports[i]["targetPort"] == nil, let port = ports[i]["port"] { ports[i]["targetPort"] = port }
                }
                spec["ports"] = .array(ports)
            }
            object["spec"] = spec
        default:
            return
        }
    }
}

public enum Validation {
    public static func validateCreate(_ object: JSONValue, kind: GroupVersionKind) -> [FieldCause] {
        var causes: [FieldCause] = []
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if name.isEmpty {
            causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name"))
        } else if !isDNSSubdomain(name) {
            causes.append(FieldCause(reason: "FieldValueInvalid",
                message: "Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                field: "metadata.name"))
        }
        if kind.group == "", kind.kind == "Pod" {
            let containers = object["spec"]?["containers"]?.arrayValue ?? []
            if containers.isEmpty { causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.containers")) }
            for (i, c) in containers.enumerated() where (c["image"]?.stringValue ?? "").isEmpty {
                causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.containers[\(i)].image"))
            }
        }
        return causes
    }

    public static func validateUpdate(_ object: JSONValue, old: JSONValue, kind: GroupVersionKind) -> [FieldCause] {
        validateCreate(object, kind: kind)
    }

    static func isDNSSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let f = label.first, let l = label.last else { return false }
            return label.allSatisfy { $0.isLowercase && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "-" }
                && f != "-" && l != "-"
        }
    }
}

public struct TableColumn: Sendable {
    public var name: String
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int
    public init(name: String, type: String, format: String = "", description: String = "", priority: Int = 0) {
        self.name = name; self.type = type; self.format = format; self.description = description; self.priority = priority
    }
}

public enum Printers {
    public static func columns(for kind: GroupVersionKind) -> [TableColumn] {
        var columns = [TableColumn(name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.")]
        if kind.group == "", kind.kind == "Pod" {
            columns += [TableColumn(name: "Ready", type: "string"), TableColumn(name: "Status", type: "string"),
                        TableColumn(name: "Restarts", type: "string"), TableColumn(name: "Age", type: "string"),
                        TableColumn(name: "IP", type: "string", priority: 1), TableColumn(name: "Node", type: "string", priority: 1)]
        } else {
            columns.append(TableColumn(name: "Age", type: "string"))
        }
        return columns
    }

    public static func cells(for object: JSONValue, kind: GroupVersionKind, now: Date) -> [JSONValue] {
        let name = JSONValue.string(object["metadata"]?["name"]?.stringValue ?? "")
        let age = JSONValue.string(Self.age(object["metadata"]?["creationTimestamp"]?.stringValue, now: now))
        if kind.group == "", kind.kind == "Pod" {
            let total = object["spec"]?["containers"]?.arrayValue?.count ?? 0
            let statuses = object["status"]?["containerStatuses"]?.arrayValue ?? []
            let ready = statuses.filter { $0["ready"]?.boolValue == true }.count
            let restarts = statuses.reduce(Int64(0)) { $0 + ($1["restartCount"]?.intValue ?? 0) }
            var phase = object["status"]?["phase"]?.stringValue ?? "Pending"
            if object["metadata"]?["deletionTimestamp"] != nil { phase = "Terminating" }
            return [name, .string("\(ready)/\(total)"), .string(phase), .string("\(restarts)"), age,
                    .string(object["status"]?["podIP"]?.stringValue ?? "<none>"),
                    .string(object["spec"]?["nodeName"]?.stringValue ?? "<none>")]
        }
        return [name, age]
    }

    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let date = ISO8601DateFormatter().date(from: timestamp) else { return "<unknown>" }
        let s = max(0, Int(now.timeIntervalSince(date)))
        if s < 120 { return "\(s)s" }
        if s < 600 { return "\(s / 60)m\(s % 60 == 0 ? "" : "\(s % 60)s")" }
        if s < 3 * 3600 { return "\(s / 60)m" }
        if s < 48 * 3600 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}

// MARK: patches

public struct PatchError: Error, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}

public enum JSONPatch {
    public static func apply(_ patch: JSONValue, to: JSONValue) throws(PatchError) -> JSONValue {
        guard let ops = patch.arrayValue else { throw PatchError(message: "json patch must be an array of operations") }
        var doc = to
        for op in ops {
            guard let name = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw PatchError(message: "json patch operation needs \"op\" and \"path\"")
            }
            let pointer = try parsePointer(path)
            switch name {
            case "add": doc = try set(doc, pointer, op["value"] ?? .null, insert: true)
            case "replace":
                _ = try get(doc, pointer)
                doc = try set(doc, pointer, op["value"] ?? .null, insert: false)
            case "remove": doc = try remove(doc, pointer)
            case "test":
                if try get(doc, pointer) != (op["value"] ?? .null) { throw PatchError(message: "testing value \(path) failed") }
            case "move", "copy":
                guard let from = op["from"]?.stringValue else { throw PatchError(message: "\(name) operation needs \"from\"") }
                let fromPointer = try parsePointer(from)
                let value = try get(doc, fromPointer)
                if name == "move" { doc = try remove(doc, fromPointer) }
                doc = try set(doc, pointer, value, insert: true)
            default: throw PatchError(message: "unexpected json patch operation \"\(name)\"")
            }
        }
        return doc
    }

    static func parsePointer(_ path: String) throws(PatchError) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw PatchError(message: "invalid JSON pointer \"\(path)\"") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ doc: JSONValue, _ p: [String]) throws(PatchError) -> JSONValue {
        var cur = doc
        for token in p {
            switch cur {
            case .object(let o):
                guard let next = o[token] else { throw PatchError(message: "path /\(p.joined(separator: "/")) not found") }
                cur = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { throw PatchError(message: "index \(token) out of range") }
                cur = a[i]
            default: throw PatchError(message: "path /\(p.joined(separator: "/")) not found")
            }
        }
        return cur
    }

    static func set(_ doc: JSONValue, _ p: [String], _ value: JSONValue, insert: Bool) throws(PatchError) -> JSONValue {
        guard let token = p.first else { return value }
        let rest = Array(p.dropFirst())
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[token] = value } else {
                guard let child = o[token] else { throw PatchError(message: "path \(token) not found") }
                o[token] = try set(child, rest, value, insert: insert)
            }
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if token == "-" { a.append(value); return .array(a) }
                guard let i = Int(token), i >= 0, i <= a.count else { throw PatchError(message: "index \(token) out of range") }
                if insert { a.insert(value, at: i) } else {
                    guard i < a.count else { throw PatchError(message: "index \(token) out of range") }
                    a[i] = value
                }
                return .array(a)
            }
            guard let i = Int(token), a.indices.contains(i) else { throw PatchError(message: "index \(token) out of range") }
            a[i] = try set(a[i], rest, value, insert: insert)
            return .array(a)
        default:
            throw PatchError(message: "cannot add to a scalar at \(token)")
        }
    }

    static func remove(_ doc: JSONValue, _ p: [String]) throws(PatchError) -> JSONValue {
        guard let token = p.first else { throw PatchError(message: "cannot remove the root") }
        let rest = Array(p.dropFirst())
        switch doc {
        case .object(var o):
            guard let child = o[token] else { throw PatchError(message: "path \(token) not found") }
            o[token] = rest.isEmpty ? nil : try remove(child, rest)
            if rest.isEmpty { o.removeValue(forKey: token) }
            return .object(o)
        case .array(var a):
            guard let i = Int(token), a.indices.contains(i) else { throw PatchError(message: "index \(token) out of range") }
            if rest.isEmpty { a.remove(at: i) } else { a[i] = try remove(a[i], rest) }
            return .array(a)
        default: throw PatchError(message: "path \(token) not found")
        }
    }
}

public enum MergePatch {
    public static func apply(_ patch: JSONValue, to: JSONValue) -> JSONValue {
        guard case .object(let fields) = patch else { return patch }
        var result = to.objectValue ?? [:]
        for (key, value) in fields {
            if value.isNull { result.removeValue(forKey: key) } else { result[key] = apply(value, to: result[key] ?? .null) }
        }
        return .object(result)
    }
}

public enum StrategicMergePatch {
    static let mergeKeys = ["name", "containerPort", "mountPath", "devicePath", "ip", "type", "topologyKey", "port", "uid"]

    public static func apply(_ patch: JSONValue, to: JSONValue, kind: GroupVersionKind) throws(PatchError) -> JSONValue {
        try merge(patch, into: to)
    }

    static func merge(_ patch: JSONValue, into original: JSONValue) throws(PatchError) -> JSONValue {
        guard case .object(let fields) = patch else { return patch }
        if fields["$patch"]?.stringValue == "replace" {
            var copy = fields
            copy.removeValue(forKey: "$patch")
            return .object(copy)
        }
        if fields["$patch"]?.stringValue == "delete" { return .null }
        var result = original.objectValue ?? [:]
        for (key, value) in fields {
            if key == "$patch" || key == "$retainKeys" || key.hasPrefix("$setElementOrder/") { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let drop = Set(value.arrayValue ?? [])
                if let list = result[field]?.arrayValue { result[field] = .array(list.filter { !drop.contains($0) }) }
                continue
            }
            if value.isNull { result.removeValue(forKey: key); continue }
            switch (value, result[key]) {
            case (.object, let existing?):
                result[key] = try merge(value, into: existing)
            case (.array(let items), .array(let existing)?):
                result[key] = .array(try mergeList(items, into: existing))
            case (.object, nil):
                result[key] = try merge(value, into: .object([:]))
            default:
                result[key] = stripDirectives(value)
            }
        }
        return .object(result)
    }

    static func mergeList(_ patch: [JSONValue], into original: [JSONValue]) throws(PatchError) -> [JSONValue] {
        guard let key = mergeKeys.first(where: { k in
            !patch.isEmpty && patch.allSatisfy { $0[k] != nil } && original.allSatisfy { $0[k] != nil }
        }) else {
            return patch.map(stripDirectives)
        }
        var result = original
        for item in patch {
            let id = item[key]
            if let index = result.firstIndex(where: { $0[key] == id }) {
                if item["$patch"]?.stringValue == "delete" { result.remove(at: index) } else {
                    result[index] = try merge(item, into: result[index])
                }
            } else if item["$patch"]?.stringValue != "delete" {
                result.append(stripDirectives(item))
            }
        }
        return result
    }

    static func stripDirectives(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, v) in o where !k.hasPrefix("$") { out[k] = stripDirectives(v) }
            return .object(out)
        case .array(let a): return .array(a.map(stripDirectives))
        default: return value
        }
    }
}

// MARK: schema / openapi

public final class SchemaCatalog: Sendable {
    public static let shared = SchemaCatalog()
    public func unknownFields(in object: JSONValue, kind: GroupVersionKind) -> [String] { [] }
    public func hasSchema(for kind: GroupVersionKind) -> Bool { false }
}

public struct OpenAPIResource: Sendable {
    public var group, version, kind, plural: String
    public var namespaced: Bool
    public var verbs: [String]
    public var subresources: [String]
    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool, verbs: [String], subresources: [String]) {
        self.group = group; self.version = version; self.kind = kind; self.plural = plural
        self.namespaced = namespaced; self.verbs = verbs; self.subresources = subresources
    }
}

public enum OpenAPIBuilder {
    public static func document(group: String, version: String, resources: [OpenAPIResource]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        var schemas: [String: JSONValue] = [:]
        let base = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        for r in resources {
            let gvk = JSONValue.object(["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)])
            let schemaName = "io.skiff.\(group.isEmpty ? "core" : group).\(version).\(r.kind)"
            schemas[schemaName] = .object([
                "type": .string("object"),
                "x-kubernetes-group-version-kind": .array([gvk]),
            ])
            let ref = JSONValue.object(["$ref": .string("#/components/schemas/\(schemaName)")])
            let body = JSONValue.object(["content": .object(["application/json": .object(["schema": ref])])])
            func param(_ name: String) -> JSONValue {
                .object(["name": .string(name), "in": .string("query"), "schema": .object(["type": .string("string")])])
            }
            let operation = { (id: String) -> JSONValue in
                .object([
                    "operationId": .string(id), "x-kubernetes-group-version-kind": gvk,
                    "x-kubernetes-action": .string(id),
                    "parameters": .array([param("dryRun"), param("fieldManager"), param("fieldValidation")]),
                    "requestBody": body,
                    "responses": .object(["200": .object(["description": .string("OK"), "content": .object([
                        "application/json": .object(["schema": ref])])])]),
                ])
            }
            let item = r.namespaced ? "\(base)/namespaces/{namespace}/\(r.plural)/{name}" : "\(base)/\(r.plural)/{name}"
            let collection = r.namespaced ? "\(base)/namespaces/{namespace}/\(r.plural)" : "\(base)/\(r.plural)"
            paths[item] = .object(["get": operation("get"), "put": operation("put"), "patch": operation("patch"),
                                   "delete": operation("delete")])
            paths[collection] = .object(["get": operation("list"), "post": operation("post")])
        }
        return .object([
            "openapi": .string("3.0.0"),
            "info": .object(["title": .string("Kubernetes"), "version": .string("v1.37.0")]),
            "paths": .object(paths),
            "components": .object(["schemas": .object(schemas)]),
        ])
    }

    public static func hash(of document: JSONValue) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in document.serialized() { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h, radix: 16, uppercase: true)
    }
}

// MARK: selectors

public struct SelectorError: Error, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}

public struct LabelSelector: Sendable, Equatable {
    enum Op: Sendable, Equatable { case equals, notEquals, `in`, notIn, exists, doesNotExist }
    struct Requirement: Sendable, Equatable { var key: String; var op: Op; var values: [String] }
    var requirements: [Requirement] = []
    var matchesNothing = false

    public init(parsing text: String) throws(SelectorError) {
        var parts: [String] = []
        var depth = 0, current = ""
        for ch in text {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == ",", depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
        }
        parts.append(current)
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            if part.hasPrefix("!") {
                requirements.append(Requirement(key: try Self.key(String(part.dropFirst())), op: .doesNotExist, values: []))
            } else if let r = part.range(of: " notin ") ?? part.range(of: " in ") {
                let op: Op = part[r].contains("notin") ? .notIn : .in
                let key = try Self.key(String(part[..<r.lowerBound]))
                let rest = part[r.upperBound...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix("("), rest.hasSuffix(")") else { throw SelectorError(message: "unable to parse requirement: found '\(rest)', expected: '('") }
                let values = rest.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                requirements.append(Requirement(key: key, op: op, values: values))
            } else if let r = part.range(of: "!=") {
                requirements.append(Requirement(key: try Self.key(String(part[..<r.lowerBound])), op: .notEquals,
                                                values: [part[r.upperBound...].trimmingCharacters(in: .whitespaces)]))
            } else if let r = part.range(of: "==") ?? part.range(of: "=") {
                requirements.append(Requirement(key: try Self.key(String(part[..<r.lowerBound])), op: .equals,
                                                values: [part[r.upperBound...].trimmingCharacters(in: .whitespaces)]))
            } else {
                requirements.append(Requirement(key: try Self.key(part), op: .exists, values: []))
            }
        }
    }

    public init(json: JSONValue) throws(SelectorError) {
        guard case .object = json else {
            if json.isNull { return }
            throw SelectorError(message: "label selector must be an object")
        }
        for (k, v) in json["matchLabels"]?.objectValue ?? [:] {
            requirements.append(Requirement(key: k, op: .equals, values: [v.stringValue ?? ""]))
        }
        for e in json["matchExpressions"]?.arrayValue ?? [] {
            let key = e["key"]?.stringValue ?? ""
            let values = (e["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch e["operator"]?.stringValue {
            case "In": requirements.append(Requirement(key: key, op: .in, values: values))
            case "NotIn": requirements.append(Requirement(key: key, op: .notIn, values: values))
            case "Exists": requirements.append(Requirement(key: key, op: .exists, values: []))
            case "DoesNotExist": requirements.append(Requirement(key: key, op: .doesNotExist, values: []))
            case let other: throw SelectorError(message: "\"\(other ?? "")\" is not a valid label selector operator")
            }
        }
    }

    static func key(_ raw: String) throws(SelectorError) -> String {
        let key = raw.trimmingCharacters(in: .whitespaces)
        if key.isEmpty || key.contains(" ") { throw SelectorError(message: "invalid label key \"\(key)\"") }
        return key
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r.op {
            case .equals, .in: return labels[r.key].map { r.values.contains($0) } ?? false
            case .notEquals, .notIn: return labels[r.key].map { !r.values.contains($0) } ?? true
            case .exists: return labels[r.key] != nil
            case .doesNotExist: return labels[r.key] == nil
            }
        }
    }

    public var isEverything: Bool { requirements.isEmpty }
}

public struct FieldSelector: Sendable, Equatable {
    struct Requirement: Sendable, Equatable { var field: String; var equals: Bool; var value: String }
    var requirements: [Requirement] = []
    /// The field names this selector mentions.
    var fields: [String] { requirements.map(\.field) }

    public init(parsing text: String) throws(SelectorError) {
        for raw in text.split(separator: ",") {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            if let r = part.range(of: "!=") {
                requirements.append(Requirement(field: String(part[..<r.lowerBound]), equals: false, value: String(part[r.upperBound...])))
            } else if let r = part.range(of: "==") ?? part.range(of: "=") {
                requirements.append(Requirement(field: String(part[..<r.lowerBound]), equals: true, value: String(part[r.upperBound...])))
            } else {
                throw SelectorError(message: "invalid selector: '\(part)'; can't understand '\(part)'")
            }
        }
    }

    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { r in (fields[r.field] ?? "") == r.value ? r.equals : !r.equals }
    }
}
