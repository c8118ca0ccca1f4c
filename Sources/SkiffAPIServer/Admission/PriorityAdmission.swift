import SkiffAPI

/// kube-apiserver's Priority admission plugin: a new pod's `priorityClassName` is resolved to
/// `spec.priority` and `spec.preemptionPolicy` from its PriorityClass (or the global default
/// class, or 0 and PreemptLowerPriority when there is none); a PriorityClass may not become a
/// second global default. Classes are read from the watch cache, as upstream reads its informer.
enum PriorityAdmission {
    /// Default priority when no class is the global default (scheduling.DefaultPriorityWhenNoDefaultClassExists).
    static let defaultPriority: Int64 = 0

    struct ResolvedClass {
        var name: String
        var value: Int64
        var preemptionPolicy: String?
    }

    /// Mutates a pod being created; runs before defaulting so it sees what the client sent.
    static func admitPod(_ pod: inout JSONValue, handler: RequestHandler) async throws(APIError) {
        guard var spec = pod["spec"], case .object = spec else { return }
        let className = spec["priorityClassName"]?.stringValue ?? ""
        let resolved: ResolvedClass
        if className.isEmpty {
            if let global = await defaultClass(handler: handler) {
                resolved = global
                spec["priorityClassName"] = .string(global.name)
            } else {
                resolved = ResolvedClass(name: "", value: defaultPriority, preemptionPolicy: "PreemptLowerPriority")
            }
        } else {
            guard let found = await priorityClass(named: className, handler: handler) else {
                throw forbidden(pod, "no PriorityClass with name \(className) was found")
            }
            resolved = found
        }
        if let given = spec["priority"], !given.isNull, given.intValue != resolved.value {
            let shown = given.intValue.map { String($0) } ?? given.jsonString
            throw forbidden(pod, "the integer value of priority (\(shown)) must not be provided in pod spec; priority admission controller computed \(resolved.value) from the given PriorityClass name")
        }
        spec["priority"] = .int(resolved.value)
        if let policy = resolved.preemptionPolicy {
            if let given = spec["preemptionPolicy"]?.stringValue, !given.isEmpty, given != policy {
                throw forbidden(pod, "the string value of PreemptionPolicy (\(given)) must not be provided in pod spec; priority admission controller computed \(policy) from the given PriorityClass name")
            }
            spec["preemptionPolicy"] = .string(policy)
        }
        pod["spec"] = spec
    }

    /// A PriorityClass create or update that would make a second global default is forbidden.
    static func admitPriorityClass(_ object: JSONValue, isCreate: Bool, resource r: ResourceInfo,
                                   handler: RequestHandler) async throws(APIError) {
        guard object["globalDefault"]?.boolValue == true, let existing = await defaultClass(handler: handler) else { return }
        if isCreate || existing.name != object.name {
            throw APIError(code: 403, reason: .forbidden,
                           message: "\(r.qualifiedPlural) \"\(object.name)\" is forbidden: PriorityClass \(existing.name) is already marked as default. Only one default can exist",
                           name: object.name, group: r.group, kind: r.plural)
        }
    }

    static func forbidden(_ pod: JSONValue, _ why: String) -> APIError {
        let name = pod.name
        return APIError(code: 403, reason: .forbidden, message: "pods \"\(name)\" is forbidden: \(why)", name: name, kind: "pods")
    }

    static func priorityClasses(handler: RequestHandler) -> ResourceInfo? {
        handler.registry.resource(group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses")
    }

    static func priorityClass(named name: String, handler: RequestHandler) async -> ResolvedClass? {
        guard let r = priorityClasses(handler: handler),
              let cached = await handler.caches.cache(for: r)?.get(key: r.key(namespace: nil, name: name)),
              let object = try? JSONValue.parse(cached.bytes) else { return nil }
        return resolved(object)
    }

    /// The global default class; with several (a race upstream also allows), the lowest value.
    static func defaultClass(handler: RequestHandler) async -> ResolvedClass? {
        guard let r = priorityClasses(handler: handler), let cache = await handler.caches.cache(for: r) else { return nil }
        var best: ResolvedClass?
        for cached in await cache.list(filter: .everything, after: nil, limit: nil, floor: 0).items {
            // Every pod create without a class comes here: parse only classes that can be the default.
            guard cached.bytes.contains(globalDefaultMarker), let object = try? JSONValue.parse(cached.bytes), object["globalDefault"]?.boolValue == true else { continue }
            let candidate = resolved(object)
            if let current = best, current.value <= candidate.value { continue }
            best = candidate
        }
        return best
    }

    static let globalDefaultMarker = Array("\"globalDefault\"".utf8)

    static func resolved(_ object: JSONValue) -> ResolvedClass {
        ResolvedClass(name: object.name, value: object["value"]?.intValue ?? 0,
                      preemptionPolicy: object["preemptionPolicy"]?.stringValue ?? "PreemptLowerPriority")
    }
}

/// PriorityClasses: the global-default rule of the Priority admission plugin on create and
/// update, and the built-in system classes cannot be deleted (upstream's REST storage).
struct PriorityClassStrategy: ResourceStrategy {
    func allocateOnCreate(_ object: inout JSONValue, resource r: ResourceInfo, dryRun: Bool,
                          handler: RequestHandler) async throws(APIError) -> Allocation {
        try await PriorityAdmission.admitPriorityClass(object, isCreate: true, resource: r, handler: handler)
        return .none
    }

    func allocateOnUpdate(_ object: inout JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, dryRun: Bool,
                          resource r: ResourceInfo, handler: RequestHandler) async throws(APIError) -> Allocation {
        try await PriorityAdmission.admitPriorityClass(object, isCreate: false, resource: r, handler: handler)
        return .none
    }

    func delete(_ current: StoredObject, resource r: ResourceInfo, options: RequestHandler.DeleteOptions,
                handler: RequestHandler) async throws(APIError) -> [UInt8]? {
        let name = current.object.name
        if Validation.systemPriorityClasses.contains(where: { $0.name == name }) {
            throw APIError(code: 403, reason: .forbidden,
                           message: "\(r.qualifiedPlural) \"\(name)\" is forbidden: this is a system priority class and cannot be deleted",
                           name: name, group: r.group, kind: r.plural)
        }
        return nil
    }
}
