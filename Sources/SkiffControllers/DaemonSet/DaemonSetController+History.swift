import Foundation
import SkiffAPI
import SkiffClient

extension DaemonSetController {
    func historyOwner(_ ds: AppsV1.DaemonSet) -> HistoryOwner {
        HistoryOwner(name: ds.metadata?.name ?? "", namespace: ds.metadata?.namespace ?? "", uid: ds.metadata?.uid,
                     annotations: ds.metadata?.annotations, template: ds.spec?.template,
                     collisionCount: ds.status?.collisionCount, ref: DaemonSetSync.controllerRef(ds))
    }

    /// The current and old revisions; a hash collision bumps `status.collisionCount` and retries later.
    func constructHistory(_ ds: AppsV1.DaemonSet) async throws -> (current: AppsV1.ControllerRevision, old: [AppsV1.ControllerRevision]) {
        do {
            return try await ControllerHistory.construct(historyOwner(ds), revisions: revisions.list(namespace: ds.metadata?.namespace ?? ""), client: client)
        } catch let e as HashCollision {
            var updated = ds
            var status = ds.status ?? AppsV1.DaemonSetStatus()
            status.collisionCount = (status.collisionCount ?? 0) &+ 1
            updated.status = status
            _ = try await client.updateStatus(updated)
            throw e
        }
    }

    func cleanupHistory(_ ds: AppsV1.DaemonSet, old: [AppsV1.ControllerRevision], owned: [CoreV1.Pod]) async throws {
        try await ControllerHistory.cleanup(historyOwner(ds), old: old, limit: ds.spec?.revisionHistoryLimit, pods: owned, client: client)
    }
}
