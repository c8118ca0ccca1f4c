import Foundation
import Logging
import SkiffAPI

/// What apiextensions-apiserver's controllers do, in one loop inside the API server: it follows
/// the CustomResourceDefinitions and serves each one's resources (registry entries, a watch cache,
/// hence discovery and OpenAPI) once its names are accepted, sets the `NamesAccepted` and
/// `Established` conditions, and on deletion removes every object of the resource before lifting
/// the `customresourcecleanup` finalizer; a deleted CRD's resources are no longer served.
/// `syncAll()` at start-up serves the stored CRDs before the server listens (a restart).
final class CustomResourceController: Sendable {
    private let handler: RequestHandler
    private let logger: Logger
    /// The state of what this controller serves (touched only from `run`/`syncAll`, one at a time).
    private let served = ServedCRDs()

    init(handler: RequestHandler, logger: Logger) {
        self.handler = handler
        self.logger = logger
    }

    private var crdResource: ResourceInfo? {
        handler.registry.resource(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions")
    }

    /// Serves every stored CRD once.
    func syncAll() async {
        guard let r = crdResource, let cache = handler.caches.cache(for: r) else { return }
        let items = await cache.list(filter: .everything, after: nil, limit: nil, floor: 0).items
        let crds = items.map(\.object).sorted { (Self.created($0), $0.name) < (Self.created($1), $1.name) }
        // The names each CRD holds: those its status says were accepted, updated as this pass
        // accepts or refuses them (oldest CRD first), so two new CRDs never both take a name.
        var accepted: [String: (group: String, names: JSONValue)] = [:]
        for crd in crds where crd.metadata["deletionTimestamp"] == nil {
            if let names = crd["status"]?["acceptedNames"], !(names["kind"]?.stringValue ?? "").isEmpty {
                accepted[crd.name] = (Self.group(crd), names)
            }
        }
        for crd in crds {
            let group = Self.group(crd)
            let taken = accepted.filter { $0.key != crd.name && $0.value.group == group }.map(\.value.names)
            accepted[crd.name] = await reconcile(crd, taken: taken).map { (group, $0) }
        }
        await removeGone(keeping: Set(crds.map(\.name)))
    }

    /// Follows the CRDs until cancelled; terminating CRDs are retried every second (their objects
    /// may wait for finalizers).
    func run() async {
        guard let r = crdResource, let cache = handler.caches.cache(for: r) else { return }
        while !Task.isCancelled {
            guard case .success(let (stream, id)) = await cache.watch(filter: .everything, from: nil, initialEvents: false,
                                                                       floor: handler.caches.clock.current) else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            // One loop syncs, so syncs never overlap; watch events and the retry timer only kick it.
            let (kicks, kick) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await frame in stream {
                        if case .event = frame { kick.yield() }
                    }
                    kick.finish()
                }
                group.addTask { [self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        if await served.hasTerminating() { kick.yield() }
                    }
                }
                for await _ in kicks { await syncAll() }
                group.cancelAll()
            }
            await cache.stopWatch(id: id)
        }
    }

    private static func created(_ crd: JSONValue) -> String { crd.metadata["creationTimestamp"]?.stringValue ?? "" }
    private static func group(_ crd: JSONValue) -> String { crd["spec"]?["group"]?.stringValue ?? "" }

    // MARK: one CRD

    /// Returns the names the CRD holds afterwards (nil: none).
    private func reconcile(_ crd: JSONValue, taken: [JSONValue]) async -> JSONValue? {
        let name = crd.name
        if crd.metadata["deletionTimestamp"] != nil {
            await served.setTerminating(name, true)
            await terminate(crd)
            return nil
        }
        await served.setTerminating(name, false)
        let conflict = Self.nameConflict(crd, taken: taken, registry: handler.registry)
        var status = crd["status"] ?? .object([:])
        if let conflict {
            status = Self.withCondition(status, type: "NamesAccepted", value: "False", reason: "NameConflict", message: conflict)
            status = Self.withCondition(status, type: "Established", value: "False", reason: "NotAccepted", message: "not all names are accepted")
            await writeStatus(crd, status)
            await unserve(name)
            return nil
        }
        let entries = CustomResourceStrategy.resources(of: crd)
        do {
            try await serve(name, entries, uid: crd.metadata["uid"]?.stringValue ?? "")
        } catch {
            logger.error("cannot serve \(name): \(error)")
            return crd["status"]?["acceptedNames"]
        }
        var names = crd["spec"]?["names"] ?? .object([:])
        if case .object = names {
            if names["singular"] == nil { names["singular"] = .string((crd["spec"]?["names"]?["kind"]?.stringValue ?? "").lowercased()) }
        }
        status["acceptedNames"] = names
        status = Self.withCondition(status, type: "NamesAccepted", value: "True", reason: "NoConflicts", message: "no conflicts found")
        status = Self.withCondition(status, type: "Established", value: "True", reason: "InitialNamesAccepted",
                                    message: "the initial names have been accepted")
        await writeStatus(crd, status)
        return names
    }

    /// Adds the CRD's entries to the registry (the stored version's cache first, loaded from the
    /// store), removes versions it no longer serves.
    private func serve(_ name: String, _ entries: [ResourceInfo], uid: String) async throws {
        let previous = await served.entries(name)
        let stored = entries.first { $0.storageVersion == nil }
        // The cache decodes objects with the stored version's selectable fields: it is rebuilt
        // for a new CRD (uid) or other selectable fields, not for every spec change.
        let fingerprint = "\(uid)/" + (stored?.strategy.selectableFields ?? []).joined(separator: ",")
        let servedFingerprint = await served.fingerprint(name)
        let previousPrefix = previous.first { $0.storageVersion == nil }?.keyPrefix
        if let stored, servedFingerprint != fingerprint || previousPrefix != stored.keyPrefix {
            try await handler.caches.add(stored)
        }
        for entry in Self.ordered(entries) { handler.registry.add(entry) }
        for old in previous where !entries.contains(where: { $0.version == old.version && $0.plural == old.plural && $0.group == old.group }) {
            handler.registry.remove(group: old.group, version: old.version, plural: old.plural)
        }
        await served.set(name, entries, fingerprint: fingerprint)
    }

    private func unserve(_ name: String) async {
        let previous = await served.entries(name)
        for old in previous { handler.registry.remove(group: old.group, version: old.version, plural: old.plural) }
        for old in previous where old.storageVersion == nil {
            // Keep the cache when another CRD serves the same prefix (cannot: names are unique), so drop it.
            await handler.caches.remove(keyPrefix: old.keyPrefix)
        }
        await served.set(name, [], fingerprint: "")
    }

    private func removeGone(keeping names: Set<String>) async {
        for name in await served.names() where !names.contains(name) {
            await unserve(name)
            await served.forget(name)
        }
    }

    /// Deletes every object of the resource (honouring their finalizers), then lifts the cleanup
    /// finalizer so the CRD goes.
    private func terminate(_ crd: JSONValue) async {
        guard let crdR = crdResource else { return }
        let name = crd.name
        guard crd.finalizers.contains(CustomResourceDefinitionStrategy.cleanupFinalizer) else { return }
        var status = crd["status"] ?? .object([:])
        status = Self.withCondition(status, type: "Terminating", value: "True", reason: "InstanceDeletionInProgress",
                                    message: "CustomResource deletion is in progress")
        await writeStatus(crd, status)
        // Still served (so the deletions below and clients' deletes work), but refusing creates.
        for entry in await served.entries(name) {
            guard var strategy = entry.strategy as? CustomResourceStrategy, !strategy.terminating else { continue }
            strategy.terminating = true
            handler.registry.add(entry.with(strategy))
        }
        var remaining = 0
        if let stored = await served.entries(name).first(where: { $0.storageVersion == nil }),
           let cache = handler.caches.cache(for: stored) {
            let items = await cache.list(filter: .everything, after: nil, limit: nil, floor: 0).items
            for item in items where !item.object.metadata.isDeletionMarked {
                do throws(APIError) {
                    _ = try await handler.deleteObject(stored, namespace: item.namespace.isEmpty ? nil : item.namespace, name: item.name,
                                                       options: RequestHandler.DeleteOptions())
                } catch where error.reason == .notFound {
                } catch {
                    logger.warning("deleting \(stored.qualifiedPlural) \(item.name): \(error)")
                }
            }
            remaining = await cache.count
        }
        guard remaining == 0 else { return }
        await unserve(name)
        do throws(APIError) {
            _ = try await handler.updateWithRetry(crdR, namespace: nil, name: name, dryRun: false) { current in
                var object = current
                object.setMetadata("finalizers", .array(current.finalizers.filter { $0 != CustomResourceDefinitionStrategy.cleanupFinalizer }
                    .map { .string($0) }))
                return object
            }
        } catch where error.reason == .notFound {
        } catch {
            logger.warning("lifting the cleanup finalizer of \(name): \(error)")
        }
    }

    private func writeStatus(_ crd: JSONValue, _ status: JSONValue) async {
        guard let r = crdResource, Self.comparable(crd["status"]) != Self.comparable(status) else { return }
        do throws(APIError) {
            _ = try await handler.updateWithRetry(r, namespace: nil, name: crd.name, scope: .status, dryRun: false) { current in
                var object = current
                object["status"] = status
                return object
            }
        } catch {
            logger.warning("status of \(crd.name): \(error)")
        }
    }

    /// A status without condition timestamps (they change only with the condition).
    private static func comparable(_ status: JSONValue?) -> JSONValue? {
        guard var status, let conditions = status["conditions"]?.arrayValue else { return status }
        status["conditions"] = .array(conditions.map { c in
            var copy = c
            copy["lastTransitionTime"] = nil
            return copy
        })
        return status
    }

    static func withCondition(_ status: JSONValue, type: String, value: String, reason: String, message: String) -> JSONValue {
        var status = status
        if case .object = status {} else { status = .object([:]) }
        var conditions = status["conditions"]?.arrayValue ?? []
        let existing = conditions.firstIndex { $0["type"]?.stringValue == type }
        var condition: JSONValue = .object([
            "type": .string(type), "status": .string(value), "reason": .string(reason), "message": .string(message),
            "lastTransitionTime": .string(Timestamp.now()),
        ])
        if let existing {
            if conditions[existing]["status"]?.stringValue == value, let time = conditions[existing]["lastTransitionTime"] {
                condition["lastTransitionTime"] = time
            }
            conditions[existing] = condition
        } else {
            conditions.append(condition)
        }
        status["conditions"] = .array(conditions)
        return status
    }

    // MARK: names

    /// apiextensions' NamingConditionController: a name is taken when another CRD of the group
    /// holds it (`taken`: their accepted names) or a built-in resource of the group uses it as
    /// plural, singular, short name, kind or list kind.
    static func nameConflict(_ crd: JSONValue, taken: [JSONValue], registry: ResourceRegistry) -> String? {
        let spec = crd["spec"] ?? .object([:])
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"] ?? .object([:])
        var resourceNames: Set<String> = []
        var kinds: Set<String> = []
        for n in taken {
            for key in ["plural", "singular"] { if let s = n[key]?.stringValue { resourceNames.insert(s) } }
            for s in n["shortNames"]?.arrayValue ?? [] { if let s = s.stringValue { resourceNames.insert(s) } }
            for key in ["kind", "listKind"] { if let s = n[key]?.stringValue { kinds.insert(s) } }
        }
        for r in registry.all where r.group == group && !r.kind.isEmpty && !(r.strategy is CustomResourceStrategy) {
            resourceNames.insert(r.plural)
            resourceNames.insert(r.singular)
            kinds.insert(r.kind)
        }
        if let plural = names["plural"]?.stringValue, resourceNames.contains(plural) { return "\"\(plural)\" is already in use" }
        if let singular = names["singular"]?.stringValue, resourceNames.contains(singular) { return "\"\(singular)\" is already in use" }
        for s in names["shortNames"]?.arrayValue ?? [] {
            if let s = s.stringValue, resourceNames.contains(s) { return "\"\(s)\" is already in use" }
        }
        if let kind = names["kind"]?.stringValue, kinds.contains(kind) { return "\"\(kind)\" is already in use" }
        if let listKind = names["listKind"]?.stringValue, kinds.contains(listKind) { return "\"\(listKind)\" is already in use" }
        return nil
    }

    /// Versions in Kubernetes' priority order (GA > beta > alpha, higher numbers first), so the
    /// group's preferred version comes first in discovery.
    static func ordered(_ entries: [ResourceInfo]) -> [ResourceInfo] {
        entries.sorted { versionPriority($0.version) > versionPriority($1.version) }
    }

    static func versionPriority(_ v: String) -> (Int, Int, Int) {
        let pattern = v.utf8.starts(with: "v".utf8)
        guard pattern else { return (0, 0, 0) }
        let body = v.dropFirst()
        let major = Int(body.prefix { $0.isNumber }) ?? 0
        let rest = body.drop { $0.isNumber }
        if rest.isEmpty { return (3, major, 0) }
        if rest.hasPrefix("beta"), let minor = Int(rest.dropFirst(4)) { return (2, major, minor) }
        if rest.hasPrefix("alpha"), let minor = Int(rest.dropFirst(5)) { return (1, major, minor) }
        return (0, 0, 0)
    }
}

/// What the controller serves per CRD name.
private actor ServedCRDs {
    private var entriesByName: [String: [ResourceInfo]] = [:]
    private var fingerprints: [String: String] = [:]
    private var terminating: Set<String> = []

    func entries(_ name: String) -> [ResourceInfo] { entriesByName[name] ?? [] }
    func fingerprint(_ name: String) -> String? { fingerprints[name] }
    func set(_ name: String, _ entries: [ResourceInfo], fingerprint: String) {
        entriesByName[name] = entries
        fingerprints[name] = fingerprint
    }
    func forget(_ name: String) {
        entriesByName[name] = nil
        fingerprints[name] = nil
        terminating.remove(name)
    }
    func names() -> [String] { Array(entriesByName.keys) }
    func setTerminating(_ name: String, _ value: Bool) {
        if value { terminating.insert(name) } else { terminating.remove(name) }
    }
    func hasTerminating() -> Bool { !terminating.isEmpty }
}

extension JSONValue {
    var isDeletionMarked: Bool { self["deletionTimestamp"] != nil }
}

extension RequestHandler.DeleteOptions {
    /// Background deletion with no preconditions.
    init() {}
}
