import Foundation
import SkiffAPI
import SkiffStore
@testable import SkiffAPIServer

/// An in-process API server on a MemoryStore (plain HTTP on an ephemeral loopback port, every
/// request as the admin), for tests that call `handle` directly.
struct TestServer {
    let server: APIServer

    static let admin = UserInfo(username: "admin", groups: ["system:masters", "system:authenticated"])

    static func with(insecureUser: UserInfo? = admin, store: MemoryStore = MemoryStore(),
                     configure: (inout APIServerConfig) -> Void = { _ in },
                     _ body: (TestServer) async throws -> Void) async throws {
        var config = APIServerConfig(store: store, port: 0, insecureUser: insecureUser)
        configure(&config)
        let server = APIServer(config: config)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                _ = try await server.port()
                try await body(TestServer(server: server))
            } catch {
                group.cancelAll()
                await store.close()
                throw error
            }
            group.cancelAll()
        }
        await store.close()
    }

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: JSONValue
        var bytes: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var reason: String? { body["reason"]?.stringValue }
        var object: JSONValue { body }
    }

    func call(_ method: String, _ uri: String, _ body: JSONValue? = nil, contentType: String = "application/json",
              accept: String? = nil, rawBody: [UInt8]? = nil, user: UserInfo? = nil) async -> Reply {
        var headers = ["content-type": contentType]
        if let accept { headers["accept"] = accept }
        let request = APIRequest(method: method, uri: uri, headers: headers, body: rawBody ?? body?.serialized() ?? [], user: user)
        switch await server.handle(request) {
        case .full(let status, let headers, let bytes):
            return Reply(status: status, headers: headers, body: (try? JSONValue.parse(bytes)) ?? .null, bytes: bytes)
        case .stream(let status, let headers, _):
            return Reply(status: status, headers: headers, body: .null, bytes: [])
        }
    }

    /// Opens a watch and returns its event stream (one parsed event per element).
    func watch(_ uri: String, accept: String? = nil) async -> AsyncStream<JSONValue> {
        var headers: [String: String] = [:]
        if let accept { headers["accept"] = accept }
        let request = APIRequest(method: "GET", uri: uri, headers: headers, body: [], user: nil)
        guard case .stream(_, _, let chunks) = await server.handle(request) else { return AsyncStream { $0.finish() } }
        return AsyncStream { continuation in
            let task = Task {
                for await chunk in chunks {
                    for line in chunk.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                        if let event = try? JSONValue.parse(Array(line)) { continuation.yield(event) }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Small builders for test objects.
enum Fixture {
    static func pod(_ name: String, namespace: String = "default", labels: [String: String] = [:], node: String? = nil) -> JSONValue {
        var spec: [String: JSONValue] = ["containers": .array([.object(["name": .string("c"), "image": .string("busybox:1.36")])])]
        if let node { spec["nodeName"] = .string(node) }
        return .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"),
            "metadata": .object(["name": .string(name), "namespace": .string(namespace),
                                 "labels": .object(labels.mapValues { .string($0) })]),
            "spec": .object(spec),
        ])
    }

    static func configMap(_ name: String, data: [String: String] = ["k": "v"]) -> JSONValue {
        .object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                 "metadata": .object(["name": .string(name)]), "data": .object(data.mapValues { .string($0) })])
    }

    static func deployment(_ name: String, replicas: Int64 = 1) -> JSONValue {
        let labels = JSONValue.object(["app": .string(name)])
        return .object([
            "apiVersion": .string("apps/v1"), "kind": .string("Deployment"),
            "metadata": .object(["name": .string(name)]),
            "spec": .object([
                "replicas": .int(replicas), "selector": .object(["matchLabels": labels]),
                "template": .object(["metadata": .object(["labels": labels]), "spec": .object([
                    "containers": .array([.object(["name": .string("web"), "image": .string("nginx:1.27")])])])]),
            ]),
        ])
    }

    static func service(_ name: String, type: String = "ClusterIP", clusterIP: String? = nil) -> JSONValue {
        var spec: [String: JSONValue] = ["type": .string(type), "selector": .object(["app": .string(name)]),
                                         "ports": .array([.object(["port": .int(80)])])]
        if let clusterIP { spec["clusterIP"] = .string(clusterIP) }
        return .object(["apiVersion": .string("v1"), "kind": .string("Service"),
                        "metadata": .object(["name": .string(name)]), "spec": .object(spec)])
    }
}

extension JSONValue {
    func at(_ path: String...) -> JSONValue? {
        var cur: JSONValue? = self
        for p in path {
            if let i = Int(p), case .array(let a)? = cur { cur = a.indices.contains(i) ? a[i] : nil } else { cur = cur?[p] }
        }
        return cur
    }
}
