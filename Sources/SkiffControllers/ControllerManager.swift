import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient

/// kube-controller-manager: the controllers on one shared informer factory. `run()` runs the
/// informers and every enabled controller until cancelled or gracefully shut down.
package final class ControllerManager: Service, Sendable {
    /// Controller names as upstream's `--controllers` spells them.
    package static let all = ["replicaset", "garbagecollector", "daemonset", "statefulset"] + BatchControllers.names

    package let factory: SharedInformerFactory
    let services: [any Service]
    package let enabled: [String]

    /// `controllers`: upstream's syntax — "*" for all, "name" to enable, "-name" to disable.
    package init(client: Client, controllers: [String] = ["*"], logger: Logger = Logger(label: "skiff.controller-manager")) {
        let factory = SharedInformerFactory(client: client, logger: logger)
        self.factory = factory
        let enabled = Self.select(controllers)
        self.enabled = enabled
        var services: [any Service] = []
        for name in enabled {
            switch name {
            case "replicaset":
                // Events name the controller as upstream's recorders do ("replicaset-controller").
                let recorder = EventRecorder(client: client, component: "replicaset-controller")
                services.append(recorder)
                services.append(ReplicaSetController.make(factory: factory, recorder: recorder))
            case "garbagecollector": services.append(GarbageCollector.standard(factory: factory))
            case "daemonset": services += DaemonSetController.services(client: client, factory: factory)
            case "statefulset": services += StatefulSetController.services(client: client, factory: factory)
            case _ where BatchControllers.names.contains(name): services += BatchControllers.services(name, client: client, factory: factory)
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
