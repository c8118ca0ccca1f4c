import SkiffAPI

extension APIServer {
    /// kube-apiserver's endpoint reconciler: the `kubernetes` Service's Endpoints and
    /// EndpointSlice carry this server's advertised address and port, rewritten at start-up when
    /// they differ (a changed address or port must not leave clients on a stale one). The
    /// Endpoints are labelled skip-mirror so the mirroring controller leaves them alone.
    func reconcileKubernetesEndpoints(address: String, port: Int64) async throws {
        let h = handler
        guard let endpoints = registry.resource(group: "", version: "v1", plural: "endpoints"),
              let slices = registry.resource(group: "discovery.k8s.io", version: "v1", plural: "endpointslices") else { return }
        let httpsPort: JSONValue = .object(["name": .string("https"), "port": .int(port), "protocol": .string("TCP")])
        let ip: JSONValue = .string(address)
        let subset: JSONValue = .object(["addresses": .array([.object(["ip": ip])]), "ports": .array([httpsPort])])
        let skipMirror: JSONValue = .object(["endpointslice.kubernetes.io/skip-mirror": .string("true")])
        let epMeta: JSONValue = .object(["name": .string("kubernetes"), "namespace": .string("default"), "labels": skipMirror])
        let ep: JSONValue = .object(["apiVersion": .string("v1"), "kind": .string("Endpoints"), "metadata": epMeta,
                                     "subsets": .array([subset])])
        try await ensure(endpoints, ep, fields: ["subsets"], handler: h)
        let family = address.contains(":") ? "IPv6" : "IPv4"
        let sliceLabels: JSONValue = .object(["kubernetes.io/service-name": .string("kubernetes")])
        let sliceMeta: JSONValue = .object(["name": .string("kubernetes"), "namespace": .string("default"), "labels": sliceLabels])
        let endpoint: JSONValue = .object(["addresses": .array([ip]), "conditions": .object(["ready": .bool(true)])])
        var slice: JSONValue = .object(["apiVersion": .string("discovery.k8s.io/v1"), "kind": .string("EndpointSlice")])
        slice["metadata"] = sliceMeta
        slice["addressType"] = .string(family)
        slice["endpoints"] = .array([endpoint])
        slice["ports"] = .array([httpsPort])
        try await ensure(slices, slice, fields: ["addressType", "endpoints", "ports"], handler: h)
    }

    /// Creates `object`, or brings `fields` and the labels of the stored one to it (at start-up,
    /// before anything else writes these objects; a lost race fails the start visibly).
    private func ensure(_ r: ResourceInfo, _ object: JSONValue, fields: [String], handler h: RequestHandler) async throws {
        guard try await !Self.create(r, object, handler: h) else { return }
        let current = try await h.readStored(r, namespace: "default", name: object.name)
        var updated = current.object
        for f in fields { updated[f] = object[f] }
        var labels = current.object.metadata["labels"] ?? .object([:])
        for (k, v) in object.metadata["labels"]?.objectValue ?? [:] { labels[k] = v }
        updated.setMetadata("labels", labels)
        _ = try await h.commitUpdate(r, old: current, new: updated, scope: .main, dryRun: false)
    }

    /// True when created, false when it exists already.
    private static func create(_ r: ResourceInfo, _ object: JSONValue, handler h: RequestHandler) async throws(APIError) -> Bool {
        do {
            _ = try await h.createObject(r, object, namespace: "default", dryRun: false)
            return true
        } catch {
            if error.reason == .alreadyExists { return false }
            throw error
        }
    }
}
