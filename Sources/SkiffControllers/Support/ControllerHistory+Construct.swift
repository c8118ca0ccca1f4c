import Foundation
import SkiffAPI
import SkiffClient

/// The owner of a revision history (a DaemonSet or a StatefulSet).
struct HistoryOwner: Sendable {
    var name: String
    var namespace: String
    var uid: String?
    var annotations: [String: String]?
    var template: CoreV1.PodTemplateSpec?
    var collisionCount: Int32?
    var ref: MetaV1.OwnerReference
}

/// A revision named after the template's hash exists but belongs to another template: the
/// owner's `status.collisionCount` must go up before the next try.
struct HashCollision: Error {}

extension ControllerHistory {
    /// The patch a revision stores (upstream `getPatch`): replaces spec.template.
    static func data(template: CoreV1.PodTemplateSpec?) -> JSONValue {
        var t = (try? APICoding.encode(template ?? CoreV1.PodTemplateSpec())) ?? .object([:])
        if case .object(var o) = t {
            o["$patch"] = .string("replace")
            t = .object(o)
        }
        return .object(["spec": .object(["template": t])])
    }

    /// Upstream `constructHistory`: the revision whose data matches the template (created as
    /// "<owner>-<hash>" with revision max+1 when missing, renumbered when an old template comes
    /// back; duplicates deleted), and the old ones.
    static func construct(_ owner: HistoryOwner, revisions: [AppsV1.ControllerRevision], client: Client)
        async throws -> (current: AppsV1.ControllerRevision, old: [AppsV1.ControllerRevision]) {
        let all = ControllerHistory.owned(revisions, uid: owner.uid)
        let data = data(template: owner.template)
        let matching = all.filter { $0.data == data }.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
        let old = all.filter { $0.data != data }
        let next = maxRevision(old) + 1
        if var current = matching.last {
            for dup in matching.dropLast() {
                try? await client.delete(AppsV1.ControllerRevision.self, dup.metadata?.name ?? "", namespace: owner.namespace)
            }
            if (current.revision ?? 0) < next {
                current.revision = next
                current = try await client.update(current)
            }
            return (current, old)
        }
        let hash = hash(template: owner.template, collisionCount: owner.collisionCount)
        var labels = owner.template?.metadata?.labels ?? [:]
        labels[hashLabel] = hash
        let revision = AppsV1.ControllerRevision(
            data: data,
            metadata: MetaV1.ObjectMeta(annotations: owner.annotations, labels: labels, name: "\(owner.name)-\(hash)",
                                        namespace: owner.namespace, ownerReferences: [owner.ref]),
            revision: next)
        do {
            return (try await client.create(revision), old)
        } catch let e as ClientError where e.isAlreadyExists {
            let existing = try await client.get(AppsV1.ControllerRevision.self, revision.metadata?.name ?? "", namespace: owner.namespace)
            if existing.controllerReference?.uid == owner.uid, existing.data == data { return (existing, old) }
            throw HashCollision()
        }
    }

    /// The hash a revision's pods carry.
    static func hash(of r: AppsV1.ControllerRevision) -> String { r.metadata?.labels?[hashLabel] ?? suffix(r) }

    /// Upstream `cleanupHistory`: old revisions no live pod uses, beyond the limit (default 10).
    static func cleanup(_ owner: HistoryOwner, old: [AppsV1.ControllerRevision], limit: Int32?, pods: [CoreV1.Pod],
                        keep: Set<String> = [], client: Client) async throws {
        let limit = Int(limit ?? 10)
        guard old.count > limit else { return }
        let live = Set(pods.filter { !$0.isTerminating }.compactMap { $0.labels[hashLabel] }).union(keep)
        for name in toPrune(old, liveHashes: live, limit: limit) {
            do {
                try await client.delete(AppsV1.ControllerRevision.self, name, namespace: owner.namespace)
            } catch let e as ClientError where e.isNotFound {}
        }
    }
}
