import Foundation
import SkiffAPI
import SkiffStore
import Testing
@testable import SkiffAPIServer

@Suite("kube-apiserver's exact JSON", .timeLimit(.minutes(5)))
struct GoldenTests {
    @Test("a create answers the bytes kube-apiserver 1.37 answers", arguments: GoldenObjects.all.map(\.name))
    func create(kind: String) async throws {
        let c = try #require(GoldenObjects.all.first { $0.name == kind })
        try await TestServer.with { s in
            let reply = await s.call("POST", c.path, rawBody: Array(c.manifest.utf8))
            #expect(reply.status == 201, "\(String(decoding: reply.bytes, as: UTF8.self))")
            #expect(Golden.normalise(reply.bytes, reply.body) == Golden.minify(c.expected))
            // Reads serve the same bytes as the create answered, unless a controller inside the
            // server has written since (the CRD controller sets a new CRD's conditions).
            let name = reply.body.at("metadata", "name")?.stringValue ?? ""
            let get = await s.call("GET", c.path + "/" + name)
            if get.body.at("metadata", "resourceVersion") == reply.body.at("metadata", "resourceVersion") {
                #expect(get.bytes == reply.bytes)
            }
        }
    }

    @Test("an error answers a Status body in kube-apiserver's field order")
    func statusBody() async throws {
        try await TestServer.with { s in
            let reply = await s.call("GET", "/api/v1/namespaces/default/configmaps/missing")
            #expect(String(decoding: reply.bytes, as: UTF8.self) == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"missing\" not found","reason":"NotFound","details":{"name":"missing","kind":"configmaps"},"code":404}"#)
        }
    }

    @Test("a list answers kind, apiVersion, metadata, items; an empty list has items []")
    func listBody() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces", .object(["metadata": .object(["name": .string("empty")])]))
            let reply = await s.call("GET", "/api/v1/namespaces/empty/configmaps")
            let rv = reply.body.at("metadata", "resourceVersion")?.stringValue ?? ""
            #expect(String(decoding: reply.bytes, as: UTF8.self) == #"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"\#(rv)"},"items":[]}"#)
        }
    }

    @Test("a deletecollection answers the deleted objects as list items, without kind/apiVersion")
    func deleteCollectionBody() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces", .object(["metadata": .object(["name": .string("dc")])]))
            let cm = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}"#
            #expect(await s.call("POST", "/api/v1/namespaces/dc/configmaps", rawBody: Array(cm.utf8)).status == 201)
            let reply = await s.call("DELETE", "/api/v1/namespaces/dc/configmaps")
            #expect(reply.status == 200)
            var text = Golden.normalise(reply.bytes, reply.body)
            if let uid = reply.body.at("items", "0", "metadata", "uid")?.stringValue {
                text = text.replacingOccurrences(of: uid, with: "UID")
            }
            #expect(text == Golden.minify(#"""
                {"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"RV"},
                 "items":[{"metadata":{"name":"a","namespace":"dc","uid":"UID","resourceVersion":"RV","creationTimestamp":"TS"},
                   "data":{"k":"v"}}]}
                """#))
        }
    }

    @Test("a Job with manualSelector and no selector is refused with spec.selector: Required value")
    func manualSelectorWithoutSelector() async throws {
        try await TestServer.with { s in
            let manifest = #"""
                {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"m"},"spec":{"manualSelector":true,
                 "template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}
                """#
            let reply = await s.call("POST", "/apis/batch/v1/namespaces/default/jobs", rawBody: Array(manifest.utf8))
            #expect(reply.status == 422)
            #expect(reply.body["message"]?.stringValue?.contains("spec.selector: Required value") == true)
        }
    }

    @Test("a Job with a selector of its own keeps it and gets the controller-uid label added")
    func jobWithSelector() async throws {
        try await TestServer.with { s in
            let manifest = #"""
                {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"own"},"spec":{"selector":{"matchLabels":{"app":"own"}},
                 "template":{"metadata":{"labels":{"app":"own"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}
                """#
            let reply = await s.call("POST", "/apis/batch/v1/namespaces/default/jobs", rawBody: Array(manifest.utf8))
            #expect(reply.status == 201)
            let uid = reply.body.at("metadata", "uid")?.stringValue ?? ""
            #expect(reply.body.at("spec", "selector", "matchLabels", "app")?.stringValue == "own")
            #expect(reply.body.at("spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid")?.stringValue == uid)
            #expect(reply.body.at("spec", "template", "metadata", "labels", "job-name")?.stringValue == "own")
            #expect(reply.body.at("metadata", "labels")?.objectValue == ["app": .string("own")])
        }
    }

    @Test("objects stored before (other key order, required fields missing) are served in kube-apiserver's shape")
    func legacyStoredObjects() async throws {
        let store = MemoryStore()
        let old = #"""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","labels":null,
             "name":"old","namespace":"default","uid":"u-1"},"spec":{"selector":{"matchLabels":{"app":"old"}},
             "template":{"metadata":{"labels":{"app":"old"}},"spec":{"containers":[{"image":"nginx","name":"web"}]}}},"status":{}}
            """#
        _ = try await store.create("/registry/apps/daemonsets/default/old", value: Array(Golden.minify(old).utf8))
        try await TestServer.with(store: store) { s in
            let reply = await s.call("GET", "/apis/apps/v1/namespaces/default/daemonsets/old")
            let text = String(decoding: reply.bytes, as: UTF8.self)
            #expect(text.hasPrefix(#"{"kind":"DaemonSet","apiVersion":"apps/v1","metadata":{"name":"old","namespace":"default","uid":"u-1","resourceVersion":"#))
            #expect(!text.contains("null"))
            #expect(text.hasSuffix(#""status":{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0}}"#))
            let list = await s.call("GET", "/apis/apps/v1/namespaces/default/daemonsets")
            #expect(list.body.at("items", "0", "status", "numberReady")?.intValue == 0)
        }
    }

    @Test("20,000 creates with one short generateName never answer 409")
    func generateNameRetries() async throws {
        try await TestServer.with { s in
            let body = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"p-"}}"#.utf8)
            let statuses = await withTaskGroup(of: [Int: Int].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var counts: [Int: Int] = [:]
                        for _ in 0..<2_500 {
                            counts[await s.call("POST", "/api/v1/namespaces/default/configmaps", rawBody: body).status, default: 0] += 1
                        }
                        return counts
                    }
                }
                var all: [Int: Int] = [:]
                for await counts in group { all.merge(counts, uniquingKeysWith: +) }
                return all
            }
            #expect(statuses == [201: 20_000])
        }
    }
}

enum Golden {
    /// `text` without the whitespace outside strings.
    static func minify(_ text: String) -> String {
        var out = ""
        var inString = false
        var escaped = false
        for ch in text {
            if inString {
                out.append(ch)
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
            } else if ch == "\"" {
                inString = true
                out.append(ch)
            } else if !ch.isWhitespace {
                out.append(ch)
            }
        }
        return out
    }

    /// The answer with its uid, timestamps, resourceVersion and cluster IP replaced by placeholders.
    static func normalise(_ bytes: [UInt8], _ body: JSONValue) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if let uid = body.at("metadata", "uid")?.stringValue, !uid.isEmpty {
            text = text.replacingOccurrences(of: "\"\(uid)\"", with: "\"UID\"")
        }
        if let ip = body.at("spec", "clusterIP")?.stringValue, !ip.isEmpty, ip != "None" {
            text = text.replacingOccurrences(of: "\"\(ip)\"", with: "\"IP\"")
        }
        for key in ["creationTimestamp", "lastPhaseTransitionTime"] {
            text = text.replacingOccurrences(of: #""\#(key)":"[^"]*""#, with: #""\#(key)":"TS""#, options: .regularExpression)
        }
        return text.replacingOccurrences(of: #""resourceVersion":"[0-9]+""#, with: #""resourceVersion":"RV""#,
                                         options: .regularExpression)
    }
}
