import SkiffAPI

/// Services: start with an empty load-balancer status and hold ClusterIPs and NodePorts from
/// the server's allocator, taken on create and update and given back when no longer used.
struct ServiceStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        object["status"] = .object(["loadBalancer": .object([:])])
    }

    func allocateOnCreate(_ object: inout JSONValue, resource r: ResourceInfo, dryRun: Bool,
                          handler: RequestHandler) async throws(APIError) -> Allocation {
        // AlreadyExists wins over an allocation conflict with the existing object's own IP.
        var exists = false
        do { _ = try await handler.readStored(r, namespace: object.namespace, name: object.name); exists = true } catch where error.code == 404 {}
        if exists { throw .alreadyExists(r, object.name) }
        let allocation = try await handler.allocator.allocate(for: &object, old: nil, dryRun: dryRun, resource: r)
        return Self.releasing(allocation, handler.allocator)
    }

    func allocateOnUpdate(_ object: inout JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, dryRun: Bool,
                          resource r: ResourceInfo, handler: RequestHandler) async throws(APIError) -> Allocation {
        guard scope == .main else { return .none }
        let allocation = try await handler.allocator.allocate(for: &object, old: old, dryRun: dryRun, resource: r)
        return Self.releasing(allocation, handler.allocator)
    }

    func updated(old: JSONValue, new: JSONValue, handler: RequestHandler) async {
        await handler.allocator.releaseUnused(old: old, new: new)
    }

    var observesDeletion: Bool { true }

    func deleted(_ last: JSONValue, handler: RequestHandler) async {
        await handler.allocator.releaseAll(of: last)
    }

    private static func releasing(_ allocation: ServiceAllocator.Allocation, _ allocator: ServiceAllocator) -> Allocation {
        Allocation { await allocator.release(allocation) }
    }
}
