import Foundation
import SkiffAPI
import Testing
@testable import SkiffControllers

/// Fixtures for Services and their pods.
enum SvcFx {
    static func service(_ name: String = "web", selector: [String: String]? = ["app": "web"], ports: [CoreV1.ServicePort] = [port()],
                        headless: Bool = false, publishNotReady: Bool? = nil, labels: [String: String]? = nil) -> CoreV1.Service {
        CoreV1.Service(metadata: MetaV1.ObjectMeta(labels: labels, name: name, namespace: "default", uid: "svc-uid"),
                       spec: CoreV1.ServiceSpec(clusterIP: headless ? "None" : "10.43.0.10", ports: ports,
                                                publishNotReadyAddresses: publishNotReady, selector: selector))
    }

    static func port(_ name: String = "http", _ port: Int32 = 80, target: IntOrString? = .string("web"), proto: String = "TCP") -> CoreV1.ServicePort {
        CoreV1.ServicePort(name: name, port: port, protocol: proto, targetPort: target)
    }

    static func pod(_ name: String, ip: String? = nil, ready: Bool = true, node: String? = "n1", deleting: Bool = false,
                    phase: String = "Running", labels: [String: String] = ["app": "web"], containerPort: Int32 = 8080,
                    hostname: String? = nil, subdomain: String? = nil) -> CoreV1.Pod {
        var p = Fx.pod(name, labels: labels, ownerUID: nil, node: node, phase: phase, ready: ready, deleting: deleting)
        p.spec?.containers?[0].ports = [CoreV1.ContainerPort(containerPort: containerPort, name: "web", protocol: "TCP")]
        p.spec?.hostname = hostname
        p.spec?.subdomain = subdomain
        let address = ip ?? "10.42.0.\(abs(name.hashValue % 200) + 2)"
        p.status?.podIP = address
        p.status?.podIPs = [CoreV1.PodIP(ip: address)]
        return p
    }
}

@Suite("Endpoints controller decisions", .timeLimit(.minutes(1)))
struct EndpointsSyncTests {
    @Test("ready pods are addresses, unready ones notReadyAddresses, terminating and finished ones absent, ports resolved by name")
    func readiness() {
        let pods = [
            SvcFx.pod("a", ip: "10.42.0.2"), SvcFx.pod("b", ip: "10.42.0.3", ready: false),
            SvcFx.pod("c", ip: "10.42.0.4", deleting: true), SvcFx.pod("d", ip: "10.42.0.5", phase: "Succeeded"),
            SvcFx.pod("e", ip: nil, labels: ["app": "other"]), SvcFx.pod("f", ip: ""),
        ]
        let subsets = EndpointsSync.subsets(SvcFx.service(), pods: pods)
        #expect(subsets.count == 1)
        #expect(subsets[0].addresses?.map(\.ip) == ["10.42.0.2"])
        #expect(subsets[0].addresses?[0].nodeName == "n1")
        #expect(subsets[0].addresses?[0].targetRef == CoreV1.ObjectReference(kind: "Pod", name: "a", namespace: "default", uid: "uid-a"))
        #expect(subsets[0].notReadyAddresses?.map(\.ip) == ["10.42.0.3"])
        #expect(subsets[0].ports == [CoreV1.EndpointPort(name: "http", port: 8080, protocol: "TCP")])
    }

    @Test("publishNotReadyAddresses lists unready and terminating pods as ready")
    func publishNotReady() {
        let pods = [SvcFx.pod("a", ip: "10.42.0.2", ready: false), SvcFx.pod("b", ip: "10.42.0.3", deleting: true)]
        let subsets = EndpointsSync.subsets(SvcFx.service(publishNotReady: true), pods: pods)
        #expect(subsets.first?.addresses?.map(\.ip) == ["10.42.0.2", "10.42.0.3"])
        #expect(subsets.first?.notReadyAddresses == nil)
    }

    @Test("pods resolving a named port differently land in separate subsets; a pod without the port is left out")
    func repack() {
        let pods = [SvcFx.pod("a", ip: "10.42.0.2", containerPort: 8080), SvcFx.pod("b", ip: "10.42.0.3", containerPort: 9090),
                    SvcFx.pod("c", ip: "10.42.0.4", containerPort: 8080)]
        var noPort = SvcFx.pod("d", ip: "10.42.0.5")
        noPort.spec?.containers?[0].ports = nil
        let subsets = EndpointsSync.subsets(SvcFx.service(), pods: pods + [noPort])
        #expect(subsets.count == 2)
        #expect(subsets.map { $0.ports?.first?.port } == [8080, 9090])
        #expect(subsets[0].addresses?.map(\.ip) == ["10.42.0.2", "10.42.0.4"])
    }

    @Test("numeric and unset targetPorts; a headless Service without ports still lists addresses, with hostnames for its subdomain")
    func headless() {
        let numeric = SvcFx.service(ports: [SvcFx.port("a", 80, target: .int(7000)), SvcFx.port("b", 81, target: nil)])
        #expect(EndpointsSync.subsets(numeric, pods: [SvcFx.pod("a", ip: "10.42.0.2")]).first?.ports?.map(\.port) == [7000, 81])
        let svc = SvcFx.service("db", ports: [], headless: true)
        let subsets = EndpointsSync.subsets(svc, pods: [SvcFx.pod("db-0", ip: "10.42.0.2", hostname: "db-0", subdomain: "db"),
                                                        SvcFx.pod("x", ip: "10.42.0.3", hostname: "x", subdomain: "other")])
        #expect(subsets.count == 1 && subsets[0].ports == nil)
        #expect(subsets[0].addresses?.map(\.hostname) == ["db-0", nil])
        let desired = EndpointsSync.desired(svc, pods: [], current: nil)
        #expect(desired.metadata?.labels?[ServiceEndpoints.headlessLabel] == "")
        #expect(desired.subsets == nil)
    }

    @Test("more than 1000 addresses are truncated with the over-capacity annotation")
    func truncation() {
        let pods = (0..<1005).map { SvcFx.pod("p\($0)", ip: "10.42.\($0 / 250).\($0 % 250)") }
        let ep = EndpointsSync.desired(SvcFx.service(), pods: pods, current: nil)
        #expect(ep.subsets?.reduce(0) { $0 + ($1.addresses?.count ?? 0) } == 1000)
        #expect(ep.metadata?.annotations?[EndpointsSync.overCapacityAnnotation] == "truncated")
    }
}

@Suite("EndpointSlice controller decisions", .timeLimit(.minutes(1)))
struct EndpointSliceSyncTests {
    func zone(_ node: String) -> String? { node == "n1" ? "zone-a" : nil }

    @Test("endpoints carry ready/serving/terminating, node, zone and target; slices are labelled and owned")
    func conditions() throws {
        let pods = [SvcFx.pod("a", ip: "10.42.0.2"), SvcFx.pod("b", ip: "10.42.0.3", ready: false, node: "n2"),
                    SvcFx.pod("c", ip: "10.42.0.4", deleting: true)]
        let plan = EndpointSliceSync.plan(SvcFx.service(labels: ["team": "x"]), pods: pods, existing: [], zoneOf: zone)
        #expect(plan.update.isEmpty && plan.delete.isEmpty)
        let slice = try #require(plan.create.first)
        #expect(plan.create.count == 1)
        #expect(slice.addressType == "IPv4")
        #expect(slice.metadata?.generateName == "web-")
        #expect(slice.metadata?.labels == ["kubernetes.io/service-name": "web", "team": "x",
                                           "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"])
        #expect(slice.metadata?.ownerReferences?.first?.kind == "Service" && slice.metadata?.ownerReferences?.first?.controller == true)
        #expect(slice.ports == [DiscoveryV1.EndpointPort(name: "http", port: 8080, protocol: "TCP")])
        let byName = Dictionary(uniqueKeysWithValues: (slice.endpoints ?? []).map { ($0.targetRef?.name ?? "", $0) })
        #expect(byName["a"]?.conditions == DiscoveryV1.EndpointConditions(ready: true, serving: true, terminating: false))
        #expect(byName["a"]?.zone == "zone-a" && byName["a"]?.nodeName == "n1")
        #expect(byName["b"]?.conditions == DiscoveryV1.EndpointConditions(ready: false, serving: false, terminating: false))
        #expect(byName["b"]?.zone == nil)
        #expect(byName["c"]?.conditions == DiscoveryV1.EndpointConditions(ready: false, serving: true, terminating: true))
    }

    @Test("at most 100 endpoints per slice; a steady Service rewrites nothing; surplus slices are deleted")
    func chunking() {
        let svc = SvcFx.service()
        let pods = (0..<250).map { SvcFx.pod(String(format: "p%03d", $0), ip: "10.42.\($0 / 200).\($0 % 200)") }
        let plan = EndpointSliceSync.plan(svc, pods: pods, existing: [], zoneOf: zone)
        #expect(plan.create.map { $0.endpoints?.count ?? 0 } == [100, 100, 50])
        // As stored: named.
        let stored = plan.create.enumerated().map { i, s in
            var s = s
            s.metadata?.name = "web-\(i)"
            return s
        }
        #expect(EndpointSliceSync.plan(svc, pods: pods, existing: stored, zoneOf: zone).isEmpty)
        let fewer = EndpointSliceSync.plan(svc, pods: Array(pods.prefix(90)), existing: stored, zoneOf: zone)
        #expect(fewer.create.isEmpty && fewer.update.count == 1 && fewer.delete == ["web-1", "web-2"])
    }

    @Test("a Service without pods keeps one empty placeholder slice; publishNotReadyAddresses makes every endpoint ready")
    func placeholder() {
        let plan = EndpointSliceSync.plan(SvcFx.service(), pods: [], existing: [], zoneOf: zone)
        #expect(plan.create.count == 1 && plan.create[0].endpoints == [] && plan.create[0].ports == nil)
        let p = EndpointSliceSync.plan(SvcFx.service(publishNotReady: true), pods: [SvcFx.pod("a", ready: false)], existing: [], zoneOf: zone)
        #expect(p.create.first?.endpoints?.first?.conditions?.ready == true)
    }

    @Test("headless hostnames for the Service's subdomain; dual-stack pods get a slice per family")
    func families() {
        var svc = SvcFx.service("db", headless: true)
        svc.spec?.ipFamilies = ["IPv4", "IPv6"]
        var pod = SvcFx.pod("db-0", ip: "10.42.0.2", hostname: "db-0", subdomain: "db")
        pod.status?.podIPs = [CoreV1.PodIP(ip: "10.42.0.2"), CoreV1.PodIP(ip: "fd00::2")]
        let plan = EndpointSliceSync.plan(svc, pods: [pod], existing: [], zoneOf: zone)
        #expect(plan.create.map(\.addressType) == ["IPv4", "IPv6"])
        #expect(plan.create.map { $0.endpoints?.first?.addresses?.first } == ["10.42.0.2", "fd00::2"])
        #expect(plan.create.first?.endpoints?.first?.hostname == "db-0")
        #expect(plan.create.first?.metadata?.labels?[ServiceEndpoints.headlessLabel] == "")
    }

    @Test("mirroring: Endpoints of a selector-less Service become slices with ready from the subset; skip-mirror and selector Services are not mirrored")
    func mirroring() {
        let ep = CoreV1.Endpoints(metadata: MetaV1.ObjectMeta(name: "ext", namespace: "default", uid: "ep-uid"), subsets: [
            CoreV1.EndpointSubset(addresses: [CoreV1.EndpointAddress(ip: "192.0.2.1")], notReadyAddresses: [CoreV1.EndpointAddress(ip: "192.0.2.2")],
                                  ports: [CoreV1.EndpointPort(name: "db", port: 5432, protocol: "TCP")]),
        ])
        let selectorless = SvcFx.service("ext", selector: nil)
        #expect(EndpointSliceMirroringSync.shouldMirror(ep, service: selectorless))
        #expect(!EndpointSliceMirroringSync.shouldMirror(ep, service: SvcFx.service("ext")))
        #expect(!EndpointSliceMirroringSync.shouldMirror(ep, service: nil))
        var skip = ep
        skip.metadata?.labels = [ServiceEndpoints.skipMirrorLabel: "true"]
        #expect(!EndpointSliceMirroringSync.shouldMirror(skip, service: selectorless))
        let plan = EndpointSliceMirroringSync.plan(ep, existing: [])
        #expect(plan.create.count == 1)
        let slice = plan.create[0]
        #expect(slice.metadata?.labels?[ServiceEndpoints.managedByLabel] == "endpointslicemirroring-controller.k8s.io")
        #expect(slice.metadata?.ownerReferences?.first?.kind == "Endpoints")
        #expect(slice.endpoints?.map { $0.conditions?.ready } == [true, false])
        #expect(slice.ports == [DiscoveryV1.EndpointPort(name: "db", port: 5432, protocol: "TCP")])
    }
}
