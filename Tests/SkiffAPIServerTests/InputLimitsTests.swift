import Foundation
import SkiffAPI
import SkiffStore
import Testing
@testable import SkiffAPIServer

/// Hostile request bodies and paths: each must end in a Status answer, never a trap, a hang or
/// an amplified allocation.
@Suite("Input limits on request bodies and paths", .timeLimit(.minutes(5)))
struct InputLimitsTests {
    // MARK: protobuf

    @Test("a 16-byte protobuf body whose length prefix is near Int.max is a 400, not a trap")
    func protobufHugeLength() async throws {
        // "k8s\0", field 2 (raw) as bytes, then a 9-byte varint of Int.max - 5 and two bytes.
        var body: [UInt8] = [0x6b, 0x38, 0x73, 0x00, 0x12]
        body += varint(UInt64(Int.max) - 5)
        body += [0x00, 0x00]
        #expect(body.count == 16)
        try await TestServer.with { s in
            let reply = await s.call("POST", "/api/v1/namespaces/default/configmaps",
                                     contentType: "application/vnd.kubernetes.protobuf", rawBody: body)
            #expect(reply.status == 400)
            #expect(reply.reason == "BadRequest")
        }
    }

    @Test("protobuf varints longer than 10 bytes and truncated length prefixes are rejected")
    func protobufMalformedVarints() throws {
        let eleven: [UInt8] = [0x6b, 0x38, 0x73, 0x00, 0x10] + Array(repeating: 0xff, count: 10) + [0x01]
        #expect(throws: ProtobufEnvelope.DecodeError.self) { try ProtobufEnvelope.decode(eleven) }
        let overflowing: [UInt8] = [0x6b, 0x38, 0x73, 0x00, 0x10] + Array(repeating: 0xff, count: 9) + [0x02]
        #expect(throws: ProtobufEnvelope.DecodeError.self) { try ProtobufEnvelope.decode(overflowing) }
        let truncated: [UInt8] = [0x6b, 0x38, 0x73, 0x00, 0x12, 0x05, 0x01]
        #expect(throws: ProtobufEnvelope.DecodeError.self) { try ProtobufEnvelope.decode(truncated) }
    }

    @Test("protobuf messages nested beyond the depth limit are rejected before recursing further")
    func protobufDepth() throws {
        let pod = "k8s.io.api.core.v1.Pod"
        _ = try ProtobufEnvelope.decodeMessage(pod, [], depth: ProtobufEnvelope.maximumDepth)
        #expect(throws: ProtobufEnvelope.DecodeError.self) {
            try ProtobufEnvelope.decodeMessage(pod, [], depth: ProtobufEnvelope.maximumDepth + 1)
        }
    }

    // MARK: YAML and JSON

    @Test("a billion-laughs YAML document under 1 KB is a 400 for excessive aliasing")
    func yamlBillionLaughs() async throws {
        var doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\n"
        doc += "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"]
        var previous = "a"
        for name in names {
            doc += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
            previous = name
        }
        #expect(doc.utf8.count < 1024)
        try await TestServer.with { s in
            let reply = await s.call("POST", "/api/v1/namespaces/default/configmaps",
                                     contentType: "application/yaml", rawBody: Array(doc.utf8))
            #expect(reply.status == 400)
            #expect(reply.body["message"]?.stringValue?.contains("excessive aliasing") == true)
        }
    }

    @Test("anchors and a few aliases in an ordinary manifest still decode")
    func yamlOrdinaryAliases() throws {
        let doc = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: anchors
          labels: &labels {app: web, tier: front}
          annotations: *labels
        """
        let value = try BodyDecoder.decode(Array(doc.utf8), contentType: "application/yaml")
        #expect(value["metadata"]?["annotations"]?["app"]?.stringValue == "web")
    }

    @Test("YAML nested deeper than the limit is a 400")
    func yamlDepth() throws {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: APIError.self) { try BodyDecoder.decode(Array(deep.utf8), contentType: "application/yaml") }
    }

    @Test("a body that is YAML but not JSON under a JSON content type is a 400, never parsed as YAML")
    func jsonIsNotRetriedAsYAML() async throws {
        try await TestServer.with { s in
            let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n"
            let reply = await s.call("POST", "/api/v1/namespaces/default/configmaps", contentType: "application/json",
                                     rawBody: Array(yaml.utf8))
            #expect(reply.status == 400)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps/y").status == 404)
        }
    }

    @Test("JSON nested 100,000 levels deep is a 400, not a stack overflow")
    func jsonDepth() async throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try await TestServer.with { s in
            let reply = await s.call("POST", "/api/v1/namespaces/default/configmaps", rawBody: Array(deep.utf8))
            #expect(reply.status == 400)
            // Merge and strategic merge patches are parsed by the same bounded parser.
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("d"))
            let deepPatch = "{\"data\":" + String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_001)
            for type in ["application/merge-patch+json", "application/strategic-merge-patch+json"] {
                let patched = await s.call("PATCH", "/api/v1/namespaces/default/configmaps/d", contentType: type,
                                           rawBody: Array(deepPatch.utf8))
                #expect(patched.status == 400)
            }
        }
    }

    // MARK: patches

    @Test("a JSON patch with more than 10,000 operations is a 413")
    func jsonPatchOperationLimit() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("ops"))
            let op = JSONValue.object(["op": .string("test"), "path": .string("/data/k"), "value": .string("v")])
            let patch = JSONValue.array(Array(repeating: op, count: 10_001))
            let reply = await s.call("PATCH", "/api/v1/namespaces/default/configmaps/ops", patch,
                                     contentType: "application/json-patch+json")
            #expect(reply.status == 413)
            #expect(reply.reason == "RequestEntityTooLarge")
        }
    }

    @Test("a 4 KB JSON patch of doubling copies stops at the accumulated copy limit with a 422")
    func jsonPatchCopyBomb() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps",
                             Fixture.configMap("bomb", data: ["k": String(repeating: "x", count: 1000)]))
            // Each round copies /a into itself: 40 rounds would be 2^40 KB without a limit.
            var ops: [JSONValue] = [.object(["op": .string("add"), "path": .string("/a"), "value": .array([])])]
            for _ in 0..<40 {
                ops.append(.object(["op": .string("copy"), "from": .string("/data/k"), "path": .string("/a/-")]))
                ops.append(.object(["op": .string("copy"), "from": .string("/a"), "path": .string("/a/-")]))
            }
            let patch = JSONValue.array(ops)
            #expect(patch.serialized().count < 4 * 1024)
            let reply = await s.call("PATCH", "/api/v1/namespaces/default/configmaps/bomb", patch,
                                     contentType: "application/json-patch+json")
            #expect(reply.status == 422)
            #expect(reply.body["message"]?.stringValue?.contains("accumulated size increase of copy") == true)
        }
    }

    @Test("a merge patch whose result exceeds the object size limit is a 413")
    func mergePatchResultSize() async throws {
        try await TestServer.with { s in
            // A Deployment: ConfigMaps and annotations have smaller limits of their own (422).
            _ = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", Fixture.deployment("big"))
            let big = String(repeating: "y", count: StoreLimits.defaultValueSizeLimit + 1)
            let container = JSONValue.object(["name": .string("web"), "image": .string("nginx:1.27"), "command": .array([.string(big)])])
            let patch = JSONValue.object(["spec": .object(["template": .object(["spec": .object(["containers": .array([container])])])])])
            let reply = await s.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/big", patch,
                                     contentType: "application/merge-patch+json")
            #expect(reply.status == 413)
            #expect(reply.reason == "RequestEntityTooLarge")
        }
    }

    // MARK: routing

    @Test("DELETE on the cluster-wide path of a namespaced resource is 405 and deletes nothing")
    func deleteCollectionNeedsNamespace() async throws {
        try await TestServer.with { s in
            let secret = JSONValue.object(["apiVersion": .string("v1"), "kind": .string("Secret"),
                                           "metadata": .object(["name": .string("keep")])])
            #expect(await s.call("POST", "/api/v1/namespaces/default/secrets", secret).status == 201)
            let reply = await s.call("DELETE", "/api/v1/secrets")
            #expect(reply.status == 405)
            #expect(reply.reason == "MethodNotAllowed")
            #expect(await s.call("POST", "/api/v1/configmaps", Fixture.configMap("nowhere")).status == 405)
            #expect(await s.call("GET", "/api/v1/secrets/keep").status == 404)
            #expect(await s.call("GET", "/api/v1/namespaces/default/secrets/keep").status == 200)
            #expect(await s.call("GET", "/api/v1/secrets").status == 200)
        }
    }

    @Test("an encoded slash in a path segment does not change the route")
    func encodedSlashStaysInSegment() async throws {
        try await TestServer.with { s in
            #expect(await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("a")).status == 201)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps%2Fa").status == 404)
            #expect(await s.call("GET", "/api/v1/namespaces%2Fdefault%2Fconfigmaps").status == 404)
            #expect(await s.call("DELETE", "/api/v1/namespaces/default/configmaps/a%2Fstatus").status == 404)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps/a").status == 200)
            // Percent-encoding of ordinary characters still decodes.
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps/%61").status == 200)
        }
    }

    // MARK: store failures

    @Test("a store failure while checking the namespace is a 503, not NotFound")
    func storeFailureIsNotNotFound() async throws {
        let store = FailingGetStore(MemoryStore(), failingKeysContaining: "/namespaces/ghost")
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: TestServer.admin))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            _ = try await server.port()
            let s = TestServer(server: server)
            let reply = await s.call("POST", "/api/v1/namespaces/ghost/configmaps", Fixture.configMap("c"))
            #expect(reply.status == 503)
            #expect(reply.reason == "ServiceUnavailable")
            #expect(await s.call("POST", "/api/v1/namespaces/nothere/configmaps", Fixture.configMap("c")).status == 404)
            group.cancelAll()
        }
        await store.close()
    }

    private func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }
}

/// A store whose `get` fails as unavailable for some keys: a backend outage seen by one read.
struct FailingGetStore: Store {
    let base: MemoryStore
    let fragment: String

    init(_ base: MemoryStore, failingKeysContaining fragment: String) {
        self.base = base
        self.fragment = fragment
    }

    func currentRevision() async throws -> Int64 { try await base.currentRevision() }
    func get(_ key: String, atRevision revision: Int64?) async throws -> KeyValue? {
        if key.contains(fragment) { throw StoreError.unavailable("injected failure reading \(key)") }
        return try await base.get(key, atRevision: revision)
    }
    func list(prefix: String, atRevision revision: Int64?, limit: Int?, continueAfter: String?) async throws -> ListResult {
        try await base.list(prefix: prefix, atRevision: revision, limit: limit, continueAfter: continueAfter)
    }
    func create(_ key: String, value: [UInt8]) async throws -> Int64 { try await base.create(key, value: value) }
    func update(_ key: String, value: [UInt8], expectedModRevision: Int64) async throws -> Int64 {
        try await base.update(key, value: value, expectedModRevision: expectedModRevision)
    }
    func delete(_ key: String, expectedModRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        try await base.delete(key, expectedModRevision: expectedModRevision)
    }
    func watch(prefix: String, startRevision: Int64?) async throws -> WatchStream {
        try await base.watch(prefix: prefix, startRevision: startRevision)
    }
    func compact(_ revision: Int64) async throws { try await base.compact(revision) }
    func compactedRevision() async throws -> Int64 { try await base.compactedRevision() }
    func close() async { await base.close() }
}
