import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient

/// Decoders of the API server's request input: bodies, patches, selectors, quantities, URLs.
extension FuzzTargets {
    static let jsonTokens = ["{", "}", "[", "]", "\"", ":", ",", "true", "false", "null", "\\u0000", "\\ud800",
                             "\\\"", "1e308", "-0", "9223372036854775808", "1e-400", "0.000001", "{\"a\":", "[["]

    static let api: [FuzzTarget] = [
        FuzzTarget("json", "JSON parser (request bodies, store values, watch frames)", dictionary: jsonTokens) { bytes in
            guard let value = try? JSONValue.parse(bytes) else { return }
            let serialized = value.serialized()
            guard let again = try? JSONValue.parse(serialized) else {
                invariant(false, "serialized JSON does not parse: \(String(decoding: serialized.prefix(200), as: UTF8.self))")
                return
            }
            // Serializing is a fixpoint after one pass (it may add the fields Go's layout of a known
            // kind always writes, such as `status: {}`), and the values parse back alike otherwise.
            let twice = again.serialized()
            invariant(twice == serialized, "serializing again changes the JSON: \(String(decoding: serialized.prefix(300), as: UTF8.self))")
            if value["kind"] == nil {
                let difference = firstDifference(value, again, at: "")
                invariant(difference == nil, "serialized JSON parses back different at \(difference ?? "")")
            }
        },
        FuzzTarget("yaml", "YAML request bodies (application/yaml, apply patches)",
                   dictionary: ["&a ", "*a", "- ", ": ", "{", "[", "<<: ", "---\n", "!!str ", "'", "\"", "\n  ", "? ", "|\n"]) { bytes in
            body(bytes, contentType: "application/yaml")
        },
        FuzzTarget("protobuf", "Kubernetes protobuf envelope request bodies",
                   dictionary: ["k8s\u{0}", "\n\u{2}v1", "\u{12}\u{3}Pod", "\u{12}\u{9}ConfigMap", "\u{1a}", "\u{a}",
                                "\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{7f}"]) { bytes in
            body(bytes, contentType: "application/vnd.kubernetes.protobuf")
        },
        FuzzTarget("json-patch", "JSON patch (RFC 6902) on a document; `doc NUL patch` or a patch on a Pod",
                   dictionary: jsonTokens + ["\"op\":\"copy\"", "\"op\":\"add\"", "\"op\":\"move\"", "\"from\":\"/\"",
                                             "\"path\":\"/spec\"", "\"path\":\"/-\"", "~1", "~0", "/0"]) { bytes in
            guard let (document, patch) = documentAndPatch(bytes) else { return }
            guard let result = try? JSONPatch.apply(patch, to: document) else { return }
            reparses(result, "JSON patch")
        },
        FuzzTarget("merge-patch", "JSON merge patch (RFC 7386) on a document; `doc NUL patch` or a patch on a Pod",
                   dictionary: jsonTokens) { bytes in
            guard let (document, patch) = documentAndPatch(bytes) else { return }
            reparses(MergePatch.apply(patch, to: document), "merge patch")
        },
        FuzzTarget("strategic-merge-patch", "strategic merge patch on a Pod or Deployment; `doc NUL patch` or a patch on a Pod",
                   dictionary: jsonTokens + ["\"$patch\":\"delete\"", "\"$patch\":\"replace\"", "\"$retainKeys\":",
                                             "\"$setElementOrder/containers\":", "\"$deleteFromPrimitiveList/finalizers\":",
                                             "\"containers\":[", "\"name\":\"c\""]) { bytes in
            guard let (document, patch) = documentAndPatch(bytes) else { return }
            let kind = document["kind"]?.stringValue == "Deployment"
                ? GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
                : GroupVersionKind(group: "", version: "v1", kind: "Pod")
            guard let result = try? StrategicMergePatch.apply(patch, to: document, kind: kind) else { return }
            reparses(result, "strategic merge patch")
        },
        FuzzTarget("label-selector", "label selector parsing and matching",
                   dictionary: ["=", "==", "!=", " in (", " notin (", ")", ",", "!", "a.b/c", "-", "_", " "]) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let selector = try? LabelSelector(parsing: text) else { return }
            _ = selector.matches(["app": "web", "tier": "", "a.b/c": "d"])
            let again = try? LabelSelector(parsing: selector.description)
            invariant(again?.description == selector.description, "label selector \(selector) does not parse back")
        },
        FuzzTarget("field-selector", "field selector parsing",
                   dictionary: ["=", "==", "!=", ",", "metadata.name", "spec.nodeName", "\\,", "\\="]) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let selector = try? FieldSelector(parsing: text) else { return }
            let again = try? FieldSelector(parsing: selector.description)
            invariant(again?.description == selector.description, "field selector \(selector) does not parse back")
        },
        FuzzTarget("quantity", "resource quantities (100m, 1Gi, 1e3, …)",
                   dictionary: ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E", "e", "E", "n", "u",
                                ".", "-", "+", "9223372036854775807", "0.000000001"]) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let quantity = try? Quantity(parsing: text) else { return }
            _ = (quantity.value, quantity.milliValue, quantity.doubleValue, quantity.adding(quantity))
            let canonical = quantity.description
            let again = try? Quantity(parsing: canonical)
            invariant(again?.description == canonical, "quantity \(text) → \(canonical) does not parse back to itself")
        },
        FuzzTarget("route", "request URLs: resource path routing and query parsing",
                   dictionary: ["/api/v1/", "/apis/apps/v1/", "namespaces/", "pods", "/status", "%2F", "%", "?", "&", "=",
                                "watch=1", "labelSelector=", "%ZZ", "//", "/.."]) { bytes in
            let uri = String(decoding: bytes, as: UTF8.self)
            let request = APIRequest(method: "GET", uri: uri, headers: [:], body: [], user: nil)
            _ = ResourceRoute.parse(request.rawPath)
        },
        FuzzTarget("typed-decode", "JSON to the generated Pod, Deployment and Node types (the client's JSONValueDecoder)",
                   dictionary: jsonTokens + ["\"spec\":", "\"containers\":", "\"replicas\":", "\"resources\":",
                                             "\"limits\":{\"cpu\":", "\"creationTimestamp\":", "\"port\":", "2147483648"]) { bytes in
            guard let value = try? JSONValue.parse(bytes) else { return }
            _ = try? JSONValueDecoder.decode(CoreV1.Pod.self, from: value)
            _ = try? JSONValueDecoder.decode(AppsV1.Deployment.self, from: value)
            _ = try? JSONValueDecoder.decode(CoreV1.Node.self, from: value)
        },
    ]

    /// Where two JSON values differ, nil when they are the same. Numbers compare by value: the
    /// serializer writes integral doubles as integers (as Go does), which parse back as `.int`.
    static func firstDifference(_ a: JSONValue, _ b: JSONValue, at path: String) -> String? {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            guard Set(x.keys) == Set(y.keys) else { return "\(path) keys \(x.keys.sorted()) vs \(y.keys.sorted())" }
            for (key, value) in x {
                if let d = firstDifference(value, y[key] ?? .null, at: path + "/" + key) { return d }
            }
            return nil
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return "\(path) length \(x.count) vs \(y.count)" }
            for (i, (u, v)) in zip(x, y).enumerated() {
                if let d = firstDifference(u, v, at: "\(path)/\(i)") { return d }
            }
            return nil
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)):
            return Double(x) == y ? nil : "\(path): \(x) vs \(y)"
        default:
            return a == b ? nil : "\(path): \(a) vs \(b)"
        }
    }

    static func body(_ bytes: [UInt8], contentType: String) {
        do throws(APIError) {
            reparses(try BodyDecoder.decode(bytes, contentType: contentType), contentType)
        } catch {
            invariant(error.code >= 400 && error.code < 500, "\(contentType) body rejected with \(error.code): \(error.message)")
        }
    }

    /// Whatever a decoder or patch accepts must serialize to JSON the parser takes back (no
    /// nesting past its limit, no values it cannot represent).
    static func reparses(_ value: JSONValue, _ what: String) {
        let bytes = value.serialized()
        invariant((try? JSONValue.parse(bytes)) != nil, "\(what) produced JSON that does not parse back")
    }

    static let defaultDocument: JSONValue = {
        let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"app":"web"},"finalizers":["a","b"]},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"}]}],"tolerations":[{"key":"k","operator":"Exists"}]}}"#
        return (try? JSONValue.parse(pod)) ?? .object([:])
    }()

    /// `document NUL patch`, or the whole input as a patch on `defaultDocument`.
    static func documentAndPatch(_ bytes: [UInt8]) -> (JSONValue, JSONValue)? {
        if let zero = bytes.firstIndex(of: 0) {
            guard let document = try? JSONValue.parse(Array(bytes[..<zero])),
                  let patch = try? JSONValue.parse(Array(bytes[(zero + 1)...])) else { return nil }
            return (document, patch)
        }
        guard let patch = try? JSONValue.parse(bytes) else { return nil }
        return (defaultDocument, patch)
    }
}
