import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient

/// The scheduler as a `Service`: informers for pods, nodes, namespaces, PriorityClasses,
/// PodDisruptionBudgets, PVCs, PVs and StorageClasses feed one `SchedulerCore`, whose loop binds
/// pods through the API. `run()` returns when cancelled (or on graceful shutdown), after the
/// bindings in flight finish.
package final class SchedulerService: Service, Sendable {
    package let core: SchedulerCore
    let client: Client
    let factory: SharedInformerFactory
    let ownsFactory: Bool
    let recorder: EventRecorder
    let logger: Logger

    /// - Parameters:
    ///   - factory: a shared informer factory the caller runs; nil to create and run one here.
    ///   - metrics: where the loop records its metrics (shared with the `/metrics` endpoint).
    package init(client: Client, configuration: SchedulerConfiguration = SchedulerConfiguration(),
                 factory: SharedInformerFactory? = nil, metrics: SchedulerMetricsRegistry = SchedulerMetricsRegistry(),
                 logger: Logger = Logger(label: "skiff.scheduler")) {
        self.client = client
        self.factory = factory ?? SharedInformerFactory(client: client)
        ownsFactory = factory == nil
        let component = configuration.profiles.first?.schedulerName ?? Profile.defaultSchedulerName
        recorder = EventRecorder(client: client, component: component)
        core = SchedulerCore(configuration: configuration,
                             effects: ClientEffects(client: client, recorder: recorder, schedulerName: component), metrics: metrics)
        self.logger = logger
    }

    package func run() async throws {
        let (inputs, sink) = AsyncStream<SchedulerInput>.makeStream()
        register(sink)
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if self.ownsFactory { group.addTask { try await self.factory.run() } }
                group.addTask { try await self.recorder.run() }
                group.addTask {
                    for await input in inputs { await self.core.handle(input) }
                }
                group.addTask {
                    try await self.factory.waitForCacheSync()
                    self.logger.info("scheduler caches synced; scheduling")
                    await self.core.run()
                }
                // Any child ending (cancellation, or an informer failing for good) stops the scheduler.
                _ = try await group.next()
                sink.finish()
                group.cancelAll()
            }
        }
    }

    private func register(_ sink: AsyncStream<SchedulerInput>.Continuation) {
        factory.informer(CoreV1.Pod.self).addEventHandler { event in
            switch event {
            case .added(let p): sink.yield(.podAdded(p))
            case .updated(let old, let new):
                // A periodic resync carries nothing new.
                if old.metadata?.resourceVersion != new.metadata?.resourceVersion { sink.yield(.podUpdated(old: old, new: new)) }
            case .deleted(let p, _): sink.yield(.podDeleted(p))
            }
        }
        factory.informer(CoreV1.Node.self).addEventHandler { event in
            switch event {
            case .added(let n): sink.yield(.nodeAdded(n))
            case .updated(let old, let new):
                if old.metadata?.resourceVersion != new.metadata?.resourceVersion { sink.yield(.nodeUpdated(old: old, new: new)) }
            case .deleted(let n, _): sink.yield(.nodeDeleted(n))
            }
        }
        factory.informer(CoreV1.Namespace.self).addEventHandler { event in
            if case .deleted(let o, _) = event { sink.yield(.namespace(o, deleted: true)) } else { sink.yield(.namespace(event.object, deleted: false)) }
        }
        factory.informer(SchedulingV1.PriorityClass.self).addEventHandler { event in
            if case .deleted(let o, _) = event { sink.yield(.priorityClass(o, deleted: true)) } else { sink.yield(.priorityClass(event.object, deleted: false)) }
        }
        factory.informer(PolicyV1.PodDisruptionBudget.self).addEventHandler { event in
            if case .deleted(let o, _) = event { sink.yield(.podDisruptionBudget(o, deleted: true)) } else { sink.yield(.podDisruptionBudget(event.object, deleted: false)) }
        }
        factory.informer(CoreV1.PersistentVolumeClaim.self).addEventHandler { event in
            if case .deleted(let o, _) = event { sink.yield(.persistentVolumeClaim(o, deleted: true)) } else { sink.yield(.persistentVolumeClaim(event.object, deleted: false)) }
        }
        factory.informer(CoreV1.PersistentVolume.self).addEventHandler { event in
            if case .deleted(let o, _) = event { sink.yield(.persistentVolume(o, deleted: true)) } else { sink.yield(.persistentVolume(event.object, deleted: false)) }
        }
        factory.informer(StorageV1.StorageClass.self).addEventHandler { event in
            if case .deleted(let o, _) = event { sink.yield(.storageClass(o, deleted: true)) } else { sink.yield(.storageClass(event.object, deleted: false)) }
        }
    }
}
