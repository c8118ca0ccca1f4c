import Foundation
import SkiffAPI
import SkiffClient

extension DaemonSetController {
    /// Upstream `constructHistory`: the revision whose data equals the DaemonSet's template
    /// (created as "<ds>-<hash>" with revision max+1 when missing, renumbered when an old
    /// template comes back), and the old ones.
    func constructHistory(_ ds: AppsV1.DaemonSet) async throws -> (current: AppsV1.ControllerRevision, old: [AppsV1.ControllerRevision]) {
        let ns = ds.metadata?.namespace ?? ""
        let all = ControllerHistory.owned(revisions.list(namespace: ns), uid: ds.metadata?.uid)
        let data = DaemonSetSync.revisionData(ds)
        let matching = all.filter { $0.data == data }.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
        let old = all.filter { $0.data != data }
        let next = ControllerHistory.maxRevision(old) + 1
        if var current = matching.last {
            // Duplicates of the current revision are dropped (upstream dedupCurHistories).
            for dup in matching.dropLast() {
                try? await client.delete(AppsV1.ControllerRevision.self, dup.metadata?.name ?? "", namespace: ns)
            }
            if (current.revision ?? 0) < next {
                current.revision = next
                current = try await client.update(current)
            }
            return (current, old)
        }
        let hash = ControllerHistory.hash(template: ds.spec?.template, collisionCount: ds.status?.collisionCount)
        var labels = ds.spec?.template?.metadata?.labels ?? [:]
        labels[ControllerHistory.hashLabel] = hash
        let revision = AppsV1.ControllerRevision(
            data: data,
            metadata: MetaV1.ObjectMeta(annotations: ds.metadata?.annotations, labels: labels, name: "\(ds.metadata?.name ?? "")-\(hash)",
                                        namespace: ns, ownerReferences: [DaemonSetSync.controllerRef(ds)]),
            revision: next)
        do {
            return (try await client.create(revision), old)
        } catch let e as ClientError where e.isAlreadyExists {
            let existing = try await client.get(AppsV1.ControllerRevision.self, revision.metadata?.name ?? "", namespace: ns)
            if existing.controllerReference?.uid == ds.metadata?.uid, existing.data == data { return (existing, old) }
            // A hash collision: the next name comes from a bumped collisionCount.
            var updated = ds
            var status = ds.status ?? AppsV1.DaemonSetStatus()
            status.collisionCount = (status.collisionCount ?? 0) &+ 1
            updated.status = status
            _ = try await client.updateStatus(updated)
            throw e
        }
    }

    /// Upstream `cleanupHistory`: old revisions no live pod uses, beyond revisionHistoryLimit (10).
    func cleanupHistory(_ ds: AppsV1.DaemonSet, old: [AppsV1.ControllerRevision], owned: [CoreV1.Pod]) async throws {
        let limit = Int(ds.spec?.revisionHistoryLimit ?? 10)
        guard old.count > limit else { return }
        let live = Set(owned.filter { !$0.isTerminating }.compactMap { $0.labels[ControllerHistory.hashLabel] })
        for name in ControllerHistory.toPrune(old, liveHashes: live, limit: limit) {
            do {
                try await client.delete(AppsV1.ControllerRevision.self, name, namespace: ds.metadata?.namespace ?? "")
            } catch let e as ClientError where e.isNotFound {}
        }
    }
}
