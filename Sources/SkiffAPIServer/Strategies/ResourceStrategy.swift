import Foundation
import SkiffAPI

/// What a write took from a shared pool (Service ClusterIPs and NodePorts); given back when the
/// write does not reach the store.
struct Allocation: Sendable {
    var release: @Sendable () async -> Void

    static let none = Allocation {}
}

/// The rules of one kind, as Kubernetes keeps them in a registry strategy: what a create and an
/// update fill in and check, what a status write may change, how an object is deleted, what it
/// allocates, which subresources it serves itself, how it prints as a Table and how a version
/// served by conversion maps to the stored one. The request handlers are kind-agnostic and ask
/// the strategy of the resource at each step; every hook has a default (the rules of a plain
/// kind), so a strategy states only where its kind differs. Strategies are values carried by the
/// registry entry, so a kind added at run time (a custom resource) brings its own.
protocol ResourceStrategy: Sendable {
    // MARK: create

    /// Whether `metadata.generation` starts at 1 on create.
    func tracksGeneration(_ r: ResourceInfo) -> Bool
    /// Kind-specific fields of a new object (the status it starts with), after defaulting and
    /// the system fields.
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo)
    func validate(_ object: JSONValue, resource r: ResourceInfo) -> [FieldCause]
    /// Takes what the new object needs from shared pools, after validation and before the write.
    func allocateOnCreate(_ object: inout JSONValue, resource r: ResourceInfo, dryRun: Bool,
                          handler: RequestHandler) async throws(APIError) -> Allocation

    // MARK: update

    /// Whether a PUT of an absent object creates it.
    var allowCreateOnUpdate: Bool { get }
    /// The status strategy: which part of `proposed` a write of `scope` takes, the rest staying
    /// as in `old` (a main write keeps the status, a status write changes only the status).
    func resetFields(proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, resource r: ResourceInfo) -> JSONValue
    /// Kind-specific rules of an update, after defaulting (fields only a subresource may change);
    /// `proposed` is the object as sent.
    func prepareForUpdate(_ object: inout JSONValue, proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope)
    func validateUpdate(_ object: JSONValue, old: JSONValue, resource r: ResourceInfo) -> [FieldCause]
    func allocateOnUpdate(_ object: inout JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, dryRun: Bool,
                          resource r: ResourceInfo, handler: RequestHandler) async throws(APIError) -> Allocation
    /// After an update reached the store: gives back what the old object held and the new does not.
    func updated(old: JSONValue, new: JSONValue, handler: RequestHandler) async

    // MARK: delete

    /// Whether an update of an object marked for deletion removes it (ShouldDeleteDuringUpdate):
    /// by default once its last finalizer is gone; pods wait for their kubelet instead.
    func shouldDeleteDuringUpdate(_ object: JSONValue) -> Bool
    /// The grace period of a graceful deletion, nil when the object goes (or waits for its
    /// finalizers) at once.
    func gracefulDeletionPeriod(_ object: JSONValue, options: RequestHandler.DeleteOptions) -> Int64?
    /// A deletion of the kind's own (Namespace lifecycle); nil for the generic one.
    func delete(_ current: StoredObject, resource r: ResourceInfo, options: RequestHandler.DeleteOptions,
                handler: RequestHandler) async throws(APIError) -> [UInt8]?
    /// Finalizers a DELETE of the kind adds before marking the object (a CRD's
    /// `customresourcecleanup`, which upstream's CRD REST delete adds, not its create).
    var finalizersOnDelete: [String] { get }
    /// Whether `deleted` needs to see deleted objects (it then gets each one parsed).
    var observesDeletion: Bool { get }
    /// After an object left the store: gives back what it held.
    func deleted(_ last: JSONValue, handler: RequestHandler) async

    // MARK: subresources and request-only kinds

    /// Serves a subresource of the kind's own (pods/binding, namespaces/finalize, …); nil leaves
    /// it to the generic handling (status, scale, streaming).
    func handleSubresource(_ sub: ResourceInfo.Subresource, resource r: ResourceInfo, route: ResourceRoute,
                           request: APIRequest, handler: RequestHandler) async throws(APIError) -> APIResponse?
    /// A create of a kind that is never stored (reviews): the computed answer.
    func createVirtual(_ object: JSONValue, resource r: ResourceInfo, route: ResourceRoute, request: APIRequest,
                       handler: RequestHandler) async throws(APIError) -> APIResponse
    /// A get or list of a kind that is never stored (componentstatuses).
    func readVirtual(resource r: ResourceInfo, route: ResourceRoute, handler: RequestHandler) throws(APIError) -> APIResponse

    // MARK: table convertor

    func columns(_ r: ResourceInfo) -> [TableColumn]
    func cells(_ object: JSONValue, resource r: ResourceInfo, now: Date) -> [JSONValue]

    // MARK: field selectors

    /// Fields a field selector may name besides metadata.name and metadata.namespace.
    var selectableFields: [String] { get }
    /// The values of `selectableFields` in `object`, as text (absent fields may be left out).
    func selectableFieldValues(_ object: JSONValue) -> [String: String]

    // MARK: conversion (a version served by converting to its storage version)

    func convertToStorage(_ object: JSONValue) -> JSONValue
    func convertFromStorage(_ object: JSONValue) -> JSONValue

    // MARK: schema (built-in kinds: the generated catalog; custom resources: their CRD's schema)

    /// Defaulting on create and update (custom resources: pruning, then the schema's defaults).
    func applyDefaults(_ object: inout JSONValue, resource r: ResourceInfo)
    /// Fields the kind's schema does not know, for `fieldValidation`.
    func unknownFields(in object: JSONValue, resource r: ResourceInfo) -> [String]
    /// False for kinds without patch metadata (custom resources): strategic merge patch is 415.
    var acceptsStrategicMerge: Bool { get }
    /// The schema `/openapi/v3` publishes for a kind the catalog does not know.
    func openAPISchema(_ r: ResourceInfo) -> JSONValue?

    // MARK: scale subresource

    func scale(of object: JSONValue, resource r: ResourceInfo) -> JSONValue
    func setScaleReplicas(_ replicas: Int64, in object: inout JSONValue)
}

extension ResourceStrategy {
    func tracksGeneration(_ r: ResourceInfo) -> Bool { GenerationTracking.tracks(r) }

    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        if r.has(.status) { object["status"] = .object([:]) }
    }

    func validate(_ object: JSONValue, resource r: ResourceInfo) -> [FieldCause] {
        Validation.validateCreate(object, kind: r.gvk)
    }

    func allocateOnCreate(_ object: inout JSONValue, resource r: ResourceInfo, dryRun: Bool,
                          handler: RequestHandler) async throws(APIError) -> Allocation { .none }

    var allowCreateOnUpdate: Bool { false }

    func resetFields(proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, resource r: ResourceInfo) -> JSONValue {
        StatusRules.resetFields(proposed: proposed, old: old, scope: scope, resource: r)
    }

    func prepareForUpdate(_ object: inout JSONValue, proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope) {}

    func validateUpdate(_ object: JSONValue, old: JSONValue, resource r: ResourceInfo) -> [FieldCause] {
        Validation.validateUpdate(object, old: old, kind: r.gvk)
    }

    func allocateOnUpdate(_ object: inout JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, dryRun: Bool,
                          resource r: ResourceInfo, handler: RequestHandler) async throws(APIError) -> Allocation { .none }

    func updated(old: JSONValue, new: JSONValue, handler: RequestHandler) async {}

    func shouldDeleteDuringUpdate(_ object: JSONValue) -> Bool { object.finalizers.isEmpty }

    func gracefulDeletionPeriod(_ object: JSONValue, options: RequestHandler.DeleteOptions) -> Int64? { nil }

    func delete(_ current: StoredObject, resource r: ResourceInfo, options: RequestHandler.DeleteOptions,
                handler: RequestHandler) async throws(APIError) -> [UInt8]? { nil }

    var finalizersOnDelete: [String] { [] }

    var observesDeletion: Bool { false }

    func deleted(_ last: JSONValue, handler: RequestHandler) async {}

    func handleSubresource(_ sub: ResourceInfo.Subresource, resource r: ResourceInfo, route: ResourceRoute,
                           request: APIRequest, handler: RequestHandler) async throws(APIError) -> APIResponse? { nil }

    func createVirtual(_ object: JSONValue, resource r: ResourceInfo, route: ResourceRoute, request: APIRequest,
                       handler: RequestHandler) async throws(APIError) -> APIResponse {
        throw .methodNotAllowed("\(r.kind) cannot be created")
    }

    func readVirtual(resource r: ResourceInfo, route: ResourceRoute, handler: RequestHandler) throws(APIError) -> APIResponse {
        throw .methodNotAllowed("the server does not allow this method on the requested resource")
    }

    func columns(_ r: ResourceInfo) -> [TableColumn] { Printers.columns(for: r.gvk) }

    func cells(_ object: JSONValue, resource r: ResourceInfo, now: Date) -> [JSONValue] {
        Printers.cells(for: object, kind: r.gvk, now: now)
    }

    var selectableFields: [String] { [] }
    func selectableFieldValues(_ object: JSONValue) -> [String: String] { [:] }

    func convertToStorage(_ object: JSONValue) -> JSONValue { object }
    func convertFromStorage(_ object: JSONValue) -> JSONValue { object }

    func applyDefaults(_ object: inout JSONValue, resource r: ResourceInfo) { Defaulting.apply(to: &object, kind: r.gvk) }

    func unknownFields(in object: JSONValue, resource r: ResourceInfo) -> [String] {
        SchemaCatalog.shared.unknownFields(in: object, kind: r.gvk)
    }

    var acceptsStrategicMerge: Bool { true }

    func openAPISchema(_ r: ResourceInfo) -> JSONValue? { nil }

    func scale(of object: JSONValue, resource r: ResourceInfo) -> JSONValue { RequestHandler.scale(of: object, r) }

    func setScaleReplicas(_ replicas: Int64, in object: inout JSONValue) {
        var spec = object["spec"] ?? .object([:])
        spec["replicas"] = .int(replicas)
        object["spec"] = spec
    }
}

/// The rules of a kind with nothing of its own (and of custom resources until they bring a
/// schema-driven strategy).
struct DefaultStrategy: ResourceStrategy {}

/// The status strategy most kinds share.
enum StatusRules {
    static func resetFields(proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope,
                            resource r: ResourceInfo) -> JSONValue {
        var object: JSONValue
        switch scope {
        case .status:
            object = old
            object["status"] = proposed["status"]
        case .all:
            object = proposed
        case .main, .scale, .finalize:
            object = proposed
            if r.has(.status) { object["status"] = old["status"] }
        }
        return object
    }

    /// A status write that also takes labels, annotations and owner references: the kubelet and
    /// node controllers write these through /status.
    static func resetFieldsWithStatusMetadata(proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope,
                                              resource r: ResourceInfo) -> JSONValue {
        var object = resetFields(proposed: proposed, old: old, scope: scope, resource: r)
        if scope == .status {
            for key in ["labels", "annotations", "ownerReferences"] where proposed.metadata[key] != nil {
                object.setMetadata(key, proposed.metadata[key])
            }
        }
        return object
    }
}

/// Which kinds start `metadata.generation` at 1.
enum GenerationTracking {
    /// Built-in kinds whose create strategy starts `metadata.generation` at 1 (the others leave
    /// it unset); custom resources always get it.
    static let kinds: Set<String> = [
        "Pod", "ReplicationController", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
        "HorizontalPodAutoscaler", "NetworkPolicy", "Ingress", "IngressClass", "PodDisruptionBudget", "EndpointSlice",
        "CustomResourceDefinition", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding", "DeviceClass",
    ]

    static func tracks(_ r: ResourceInfo) -> Bool {
        guard GoLayout.isBuiltin(kind: r.kind, apiVersion: r.apiVersion) else { return true }
        return kinds.contains(r.kind)
    }
}
