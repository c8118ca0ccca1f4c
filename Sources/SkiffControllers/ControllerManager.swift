import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient

/// kube-controller-manager: the controllers on one shared informer factory. `run()` runs the
/// informers and every enabled controller until cancelled or gracefully shut down.
package final class ControllerManager: Service, Sendable {
    /// Controller names as upstream's `--controllers` spells them.
    package static let all = ["replicaset", "garbagecollector", "replicationcontroller", "deployment", "daemonset", "statefulset"] + BatchControllers.names
        + ["endpoint", "endpointslice", "endpointslicemirroring"]
        + ["namespace"]
        + ["serviceaccount", "root-ca-certificate-publisher"]
        + ["nodelifecycle", "nodeipam"]

    package let factory: SharedInformerFactory
    let services: [any Service]
    package let enabled: [String]

    /// `controllers`: upstream's syntax — "*" for all, "name" to enable, "-name" to disable.
    /// `options`: what individual controllers need from the command line (upstream's flags).
    package init(client: Client, controllers: [String] = ["*"], options: ControllerOptions = ControllerOptions(),
                 logger: Logger = Logger(label: "skiff.controller-manager")) {
        let factory = SharedInformerFactory(client: client, logger: logger)
        self.factory = factory
        let enabled = Self.select(controllers)
        self.enabled = enabled
        var services: [any Service] = []
        /// An event recorder per component name (upstream's per-controller recorders).
        func recorder(_ component: String) -> EventRecorder {
            let r = EventRecorder(client: client, component: component)
            services.append(r)
            return r
        }
        for name in enabled {
            switch name {
            case "replicaset":
                // Events name the controller as upstream's recorders do ("replicaset-controller").
                let recorder = EventRecorder(client: client, component: "replicaset-controller")
                services.append(recorder)
                services.append(ReplicaSetController<AppsV1.ReplicaSet>.make(factory: factory, recorder: recorder))
            case "replicationcontroller": services += ReplicaSetController<CoreV1.ReplicationController>.services(client: client, factory: factory)
            case "deployment": services += DeploymentController.services(client: client, factory: factory)
            case "garbagecollector": services.append(GarbageCollector.standard(factory: factory))
            case "daemonset": services += DaemonSetController.services(client: client, factory: factory)
            case "statefulset": services += StatefulSetController.services(client: client, factory: factory)
            case _ where BatchControllers.names.contains(name): services += BatchControllers.services(name, client: client, factory: factory)
            case "endpoint": services.append(EndpointsController.make(factory: factory))
            case "endpointslice": services.append(EndpointSliceController.make(factory: factory))
            case "endpointslicemirroring": services.append(EndpointSliceMirroringController.make(factory: factory))
            case "namespace": services.append(NamespaceController.make(factory: factory))
            case "serviceaccount": services.append(ServiceAccountsController.make(factory: factory))
            case "nodelifecycle": let r = recorder("node-controller"); services += NodeLifecycleController.make(factory: factory, gracePeriod: options.nodeMonitorGracePeriod, recorder: r)
            case "nodeipam": if let cidr = options.clusterCIDR, let c = NodeIPAMController.make(factory: factory, clusterCIDR: cidr) { services.append(c) }
            case "root-ca-certificate-publisher": if let ca = options.rootCA { services.append(RootCAPublisher.make(factory: factory, rootCA: ca)) }
            default: break
            }
        }
        self.services = services
    }

    /// Upstream's `--controllers` rule: a name is on when listed, or when "*" is listed and
    /// "-name" is not.
    package static func select(_ flags: [String]) -> [String] {
        let star = flags.contains("*")
        return all.filter { name in flags.contains(name) || (star && !flags.contains("-\(name)")) }
    }

    package func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.factory.run() }
            for s in services { group.addTask { try await s.run() } }
            // Each part returns on cancellation or graceful shutdown.
            try await group.waitForAll()
        }
    }
}
