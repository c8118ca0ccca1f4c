import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient
import Testing
@testable import SkiffControllers

/// Endpoints, namespace, service account, node lifecycle and garbage collection against an
/// in-process API server.
@Suite("Core controllers against an in-process API server", .timeLimit(.minutes(3)))
struct CoreControllersIntegrationTests {
    func withManager(_ t: TestServer, controllers: [String], options: ControllerOptions = ControllerOptions(),
                     _ body: (ControllerManager) async throws -> Void) async throws {
        let manager = ControllerManager(client: t.client, controllers: controllers, options: options)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            do {
                try await body(manager)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    func slices(_ t: TestServer, _ service: String, ns: String = "default") async throws -> [DiscoveryV1.EndpointSlice] {
        try await t.client.list(DiscoveryV1.EndpointSlice.self, namespace: ns,
                                options: ListOptions(labelSelector: "kubernetes.io/service-name=\(service)")).items
    }

    /// A running pod with an address, ready or not.
    func runPod(_ t: TestServer, _ name: String, ip: String, ready: Bool, ns: String = "default") async throws {
        var pod = SvcFx.pod(name, ip: ip, ready: ready)
        pod.metadata?.uid = nil
        pod.metadata?.namespace = ns
        pod.metadata?.creationTimestamp = nil
        let status = pod.status
        pod.status = nil
        var created = try await t.client.create(pod)
        created.status = status
        _ = try await t.client.updateStatus(created)
    }

    @Test("a Service's Endpoints and EndpointSlice follow its pods' addresses and readiness; deleting the Service removes them")
    func endpoints() async throws {
        try await TestServer.with { t in
            try await withManager(t, controllers: ["endpoint", "endpointslice", "endpointslicemirroring"]) { _ in
                var svc = SvcFx.service()
                svc.metadata?.uid = nil
                svc.spec?.clusterIP = nil
                _ = try await t.client.create(svc)
                try await runPod(t, "a", ip: "10.42.0.2", ready: true)
                try await runPod(t, "b", ip: "10.42.0.3", ready: false)
                #expect(try await eventually {
                    let ep = try? await t.client.get(CoreV1.Endpoints.self, "web", namespace: "default")
                    return ep?.subsets?.first?.addresses?.map(\.ip) == ["10.42.0.2"]
                        && ep?.subsets?.first?.notReadyAddresses?.map(\.ip) == ["10.42.0.3"]
                        && ep?.subsets?.first?.ports?.first?.port == 8080
                })
                #expect(try await eventually {
                    let s = try await slices(t, "web")
                    return s.count == 1 && s[0].endpoints?.count == 2
                        && s[0].metadata?.labels?["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
                })
                let slice = try #require(try await slices(t, "web").first)
                #expect(slice.endpoints?.first { $0.targetRef?.name == "b" }?.conditions?.ready == false)
                try await t.client.delete(CoreV1.Service.self, "web", namespace: "default")
                #expect(try await eventually {
                    let gone = (try? await t.client.get(CoreV1.Endpoints.self, "web", namespace: "default")) == nil
                    let noSlices = try await slices(t, "web").isEmpty
                    return gone && noSlices
                })
                // The API server's own Service: its slice names this server, its Endpoints are not mirrored.
                let kubernetes = try await slices(t, "kubernetes")
                #expect(kubernetes.count == 1 && kubernetes.first?.metadata?.name == "kubernetes")
                // Endpoints written by hand for a selector-less Service are mirrored.
                var ext = SvcFx.service("ext", selector: nil)
                ext.metadata?.uid = nil
                ext.spec?.clusterIP = nil
                _ = try await t.client.create(ext)
                _ = try await t.client.create(CoreV1.Endpoints(metadata: MetaV1.ObjectMeta(name: "ext", namespace: "default"), subsets: [
                    CoreV1.EndpointSubset(addresses: [CoreV1.EndpointAddress(ip: "192.0.2.10")], ports: [CoreV1.EndpointPort(name: "http", port: 80)]),
                ]))
                #expect(try await eventually {
                    let s = try await slices(t, "ext")
                    return s.first?.endpoints?.first?.addresses == ["192.0.2.10"]
                        && s.first?.metadata?.labels?["endpointslice.kubernetes.io/managed-by"] == "endpointslicemirroring-controller.k8s.io"
                })
            }
        }
    }

    @Test("a deleted namespace is Terminating, refuses new content, reports what remains, and goes once its content is gone")
    func namespaceDeletion() async throws {
        try await TestServer.with(configure: { $0.namespaceController = true }) { t in
            try await withManager(t, controllers: ["namespace"]) { _ in
                _ = try await t.client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "tmp")))
                _ = try await t.client.create(CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: "plain", namespace: "tmp")))
                _ = try await t.client.create(CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(finalizers: ["example.com/hold"], name: "held", namespace: "tmp")))
                try await t.client.delete(CoreV1.Namespace.self, "tmp")
                #expect(try await eventually {
                    let ns = try await t.client.get(CoreV1.Namespace.self, "tmp")
                    let remaining = ns.status?.conditions?.first { $0.type == "NamespaceContentRemaining" }
                    let finalizers = ns.status?.conditions?.first { $0.type == "NamespaceFinalizersRemaining" }
                    return ns.status?.phase == "Terminating"
                        && remaining?.status == "True" && remaining?.message == "Some resources are remaining: configmaps. has 1 resource instances"
                        && finalizers?.message == "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"
                })
                #expect((try? await t.client.get(CoreV1.ConfigMap.self, "plain", namespace: "tmp")) == nil)
                do {
                    _ = try await t.client.create(CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: "late", namespace: "tmp")))
                    Issue.record("created content in a terminating namespace")
                } catch let e as ClientError {
                    #expect(e.code == 403)
                    #expect(e.message == "configmaps \"late\" is forbidden: unable to create new content in namespace tmp because it is being terminated")
                }
                _ = try await t.client.patch(CoreV1.ConfigMap.self, "held", namespace: "tmp", Patch(.merge, .object(["metadata": .object(["finalizers": .null])])))
                #expect(try await eventually { (try? await t.client.get(CoreV1.Namespace.self, "tmp")) == nil })
            }
        }
    }

    @Test("every namespace gets the default ServiceAccount and kube-root-ca.crt, put back when deleted")
    func serviceAccounts() async throws {
        try await TestServer.with { t in
            let rootCA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            var options = ControllerOptions()
            options.rootCA = rootCA
            try await withManager(t, controllers: ["serviceaccount", "root-ca-certificate-publisher"], options: options) { _ in
                _ = try await t.client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "team")))
                #expect(try await eventually {
                    let sa = try? await t.client.get(CoreV1.ServiceAccount.self, "default", namespace: "team")
                    let cm = try? await t.client.get(CoreV1.ConfigMap.self, "kube-root-ca.crt", namespace: "team")
                    return sa != nil && cm?.data?["ca.crt"] == rootCA
                })
                try await t.client.delete(CoreV1.ServiceAccount.self, "default", namespace: "team")
                #expect(try await eventually { (try? await t.client.get(CoreV1.ServiceAccount.self, "default", namespace: "team")) != nil })
            }
        }
    }

    @Test("a TokenRequest yields a JWT that authenticates as the ServiceAccount until the account is deleted")
    func tokenAuthentication() async throws {
        try await TestServer.with { t in
            let sa = try await t.client.create(CoreV1.ServiceAccount(metadata: MetaV1.ObjectMeta(name: "robot", namespace: "default")))
            let request = AuthenticationV1.TokenRequest(spec: AuthenticationV1.TokenRequestSpec(audiences: [], expirationSeconds: 3600))
            let issued = try await t.client.create(request, subresource: "token", of: CoreV1.ServiceAccount.self, name: "robot", namespace: "default")
            let token = try #require(issued["status"]?["token"]?.stringValue)
            #expect(token.split(separator: ".").count == 3)
            @Sendable func whoami() async -> JSONValue? {
                let body = Array(#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#.utf8)
                let response = await t.server.handle(APIRequest(method: "POST", uri: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                                                headers: ["authorization": "Bearer \(token)", "content-type": "application/json"],
                                                                body: body, user: nil))
                guard case .full(_, _, let bytes) = response else { return nil }
                return try? JSONValue.parse(bytes)["status"]?["userInfo"]
            }
            let user = await whoami()
            #expect(user?["username"]?.stringValue == "system:serviceaccount:default:robot")
            #expect(user?["uid"]?.stringValue == sa.metadata?.uid)
            #expect(user?["groups"]?.arrayValue?.compactMap(\.stringValue) == ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"])
            try await t.client.delete(CoreV1.ServiceAccount.self, "robot", namespace: "default")
            #expect(try await eventually { await whoami()?["username"]?.stringValue != "system:serviceaccount:default:robot" })
            // Too short a token is refused as upstream.
            do {
                _ = try await t.client.create(AuthenticationV1.TokenRequest(spec: AuthenticationV1.TokenRequestSpec(audiences: [], expirationSeconds: 60)),
                                              subresource: "token", of: CoreV1.ServiceAccount.self, name: "default", namespace: "default")
                Issue.record("a 60 s token was issued")
            } catch let e as ClientError {
                #expect(e.code == 422 || e.code == 404)
            }
        }
    }

    @Test("a node without heartbeats goes Unknown, is tainted, and its pods are evicted as their tolerations allow")
    func nodeLifecycle() async throws {
        try await TestServer.with { t in
            var options = ControllerOptions()
            options.nodeMonitorGracePeriod = .seconds(2)
            let now = Fx.ts(0, from: Date())
            for name in ["n1", "n2"] {
                _ = try await t.client.create(CoreV1.Node(metadata: MetaV1.ObjectMeta(name: name), status: CoreV1.NodeStatus(conditions: [
                    CoreV1.NodeCondition(lastHeartbeatTime: now, lastTransitionTime: now, reason: "KubeletReady", status: "True", type: "Ready"),
                ])))
            }
            // n2's kubelet keeps renewing its Lease (with every node of the zone down the
            // controller would assume its own isolation and evict nothing, as upstream).
            _ = try await t.client.create(CoordinationV1.Lease(metadata: MetaV1.ObjectMeta(name: "n2", namespace: "kube-node-lease"),
                                                               spec: CoordinationV1.LeaseSpec(holderIdentity: "n2", leaseDurationSeconds: 40)))
            func pod(_ name: String, tolerationSeconds: Int64?) -> CoreV1.Pod {
                var p = Fx.pod(name, ownerUID: nil, node: "n1", phase: "Running")
                p.metadata?.uid = nil
                p.metadata?.creationTimestamp = nil
                p.status = nil
                // Replaces the default 300 s tolerations.
                p.spec?.tolerations = tolerationSeconds.map {
                    [CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: $0)]
                } ?? [CoreV1.Toleration(operator: "Exists")]
                return p
            }
            _ = try await t.client.create(pod("brief", tolerationSeconds: 1))
            var forever = try await t.client.create(pod("forever", tolerationSeconds: nil))
            forever.status = CoreV1.PodStatus(conditions: [CoreV1.PodCondition(status: "True", type: "Ready")], phase: "Running")
            _ = try await t.client.updateStatus(forever)
            try await withThrowingTaskGroup(of: Void.self) { renewer in
            renewer.addTask {
                var i = 0
                while !Task.isCancelled {
                    i += 1
                    let micro = String(format: "%06d", i % 1_000_000)
                    let patch = Patch(.merge, .object(["spec": .object(["renewTime": .string("2026-01-01T00:00:00.\(micro)Z")])]))
                    _ = try? await t.client.patch(CoordinationV1.Lease.self, "n2", namespace: "kube-node-lease", patch)
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            try await withManager(t, controllers: ["nodelifecycle"], options: options) { _ in
                #expect(try await eventually(.seconds(60)) {
                    let n = try await t.client.get(CoreV1.Node.self, "n1")
                    let ready = n.status?.conditions?.first { $0.type == "Ready" }
                    let taints = Set((n.spec?.taints ?? []).map { "\($0.key ?? ""):\($0.effect ?? "")" })
                    return ready?.status == "Unknown" && ready?.reason == "NodeStatusUnknown"
                        && taints == ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]
                })
                #expect(try await eventually(.seconds(60)) {
                    try await t.client.get(CoreV1.Pod.self, "brief", namespace: "default").metadata?.deletionTimestamp != nil
                })
                let kept = try await t.client.get(CoreV1.Pod.self, "forever", namespace: "default")
                #expect(kept.metadata?.deletionTimestamp == nil)
                #expect(kept.status?.conditions?.first { $0.type == "Ready" }?.status == "False")
                #expect(NodeHealth.ready(try await t.client.get(CoreV1.Node.self, "n2"))?.status == "True")
                // The kubelet is back: the taints go.
                var n = try await t.client.get(CoreV1.Node.self, "n1")
                let back = Fx.ts(0, from: Date())
                n.status?.conditions = [CoreV1.NodeCondition(lastHeartbeatTime: back, lastTransitionTime: back, reason: "KubeletReady", status: "True", type: "Ready")]
                _ = try await t.client.updateStatus(n)
                #expect(try await eventually(.seconds(60)) {
                    try await t.client.get(CoreV1.Node.self, "n1").spec?.taints?.isEmpty ?? true
                })
            }
            renewer.cancelAll()
            }
        }
    }

    @Test("nodes without a pod CIDR get the next free /24 of the cluster CIDR")
    func nodeIPAM() async throws {
        try await TestServer.with { t in
            var options = ControllerOptions()
            options.clusterCIDR = "10.42.0.0/16"
            _ = try await t.client.create(CoreV1.Node(metadata: MetaV1.ObjectMeta(name: "taken"), spec: CoreV1.NodeSpec(podCIDR: "10.42.0.0/24")))
            try await withManager(t, controllers: ["nodeipam"], options: options) { _ in
                _ = try await t.client.create(CoreV1.Node(metadata: MetaV1.ObjectMeta(name: "a")))
                _ = try await t.client.create(CoreV1.Node(metadata: MetaV1.ObjectMeta(name: "b")))
                #expect(try await eventually {
                    let a = try await t.client.get(CoreV1.Node.self, "a").spec?.podCIDR
                    let b = try await t.client.get(CoreV1.Node.self, "b").spec?.podCIDR
                    return Set([a, b]) == ["10.42.1.0/24", "10.42.2.0/24"]
                })
            }
        }
    }

    @Test("the garbage collector finds dependents of any served kind through discovery: a ConfigMap owned by a Secret goes with it")
    func discoveredDependents() async throws {
        try await TestServer.with { t in
            try await withManager(t, controllers: ["garbagecollector"]) { _ in
                let owner = try await t.client.create(CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: "owner", namespace: "default")))
                let ref = MetaV1.OwnerReference(apiVersion: "v1", kind: "Secret", name: "owner", uid: owner.metadata?.uid)
                _ = try await t.client.create(CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: "dep", namespace: "default", ownerReferences: [ref])))
                _ = try await t.client.create(CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: "kept", namespace: "default", ownerReferences: [ref])))
                try await t.client.delete(CoreV1.Secret.self, "owner", namespace: "default")
                #expect(try await eventually {
                    let dep = try? await t.client.get(CoreV1.ConfigMap.self, "dep", namespace: "default")
                    let kept = try? await t.client.get(CoreV1.ConfigMap.self, "kept", namespace: "default")
                    return dep == nil && kept == nil
                })
                // Orphan: the dependent stays, without the reference.
                let owner2 = try await t.client.create(CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: "owner2", namespace: "default")))
                let ref2 = MetaV1.OwnerReference(apiVersion: "v1", kind: "Secret", name: "owner2", uid: owner2.metadata?.uid)
                _ = try await t.client.create(CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: "orphan", namespace: "default", ownerReferences: [ref2])))
                // Let the collector see the dependent before the owner goes.
                try await Task.sleep(for: .milliseconds(300))
                try await t.client.delete(CoreV1.Secret.self, "owner2", namespace: "default", options: DeleteOptions(propagationPolicy: .orphan))
                #expect(try await eventually {
                    let cm = try? await t.client.get(CoreV1.ConfigMap.self, "orphan", namespace: "default")
                    let secretGone = (try? await t.client.get(CoreV1.Secret.self, "owner2", namespace: "default")) == nil
                    return cm != nil && (cm?.metadata?.ownerReferences ?? []).isEmpty && secretGone
                })
            }
        }
    }
}
