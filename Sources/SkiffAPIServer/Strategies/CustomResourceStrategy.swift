import Foundation
import SkiffAPI

/// The rules of one served version of a custom resource, from its CRD: the structural schema
/// (pruning, defaulting, validation, OpenAPI), the status and scale subresources, printer
/// columns, selectable fields, and conversion None (only `apiVersion` changes between versions).
struct CustomResourceStrategy: ResourceStrategy {
    /// The version's `openAPIV3Schema`.
    var schema: JSONValue
    /// `<group>/<storage version>`: what objects are stored as.
    var storageAPIVersion: String
    var servedAPIVersion: String
    var printer: CustomResourceColumns
    /// JSONPaths of the selectable fields, as field selectors name them (`spec.color`).
    var selectable: [(name: String, path: JSONPathExpression)]
    var scalePaths: (spec: JSONPathExpression, status: JSONPathExpression, selector: JSONPathExpression?)?
    /// Set while the CRD is being deleted: its objects are removed and no new ones are taken.
    var terminating = false

    // MARK: create and update

    func allocateOnCreate(_ object: inout JSONValue, resource r: ResourceInfo, dryRun: Bool,
                          handler: RequestHandler) async throws(APIError) -> Allocation {
        if terminating { throw .methodNotAllowed("create not allowed while custom resource definition is terminating") }
        return .none
    }

    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
        // With a status subresource a create cannot set the status (the main endpoint ignores it).
        if r.has(.status) { object["status"] = nil }
    }

    func validate(_ object: JSONValue, resource r: ResourceInfo) -> [FieldCause] {
        Validation.validateCreate(object, kind: r.gvk) + SchemaValidator.validate(object, schema: schema)
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue, resource r: ResourceInfo) -> [FieldCause] {
        Validation.validateUpdate(object, old: old, kind: r.gvk) + SchemaValidator.validate(object, schema: schema)
    }

    func prepareForUpdate(_ object: inout JSONValue, proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope) {
        // A status write skips the generic defaulting step; custom resources prune and default it too.
        if scope == .status { pruneAndDefault(&object) }
    }

    func applyDefaults(_ object: inout JSONValue, resource r: ResourceInfo) { pruneAndDefault(&object) }

    private func pruneAndDefault(_ object: inout JSONValue) {
        object = StructuralSchema.pruned(object, schema: schema)
        SchemaDefaulter.apply(&object, schema: schema)
    }

    func unknownFields(in object: JSONValue, resource r: ResourceInfo) -> [String] {
        StructuralSchema.unknownFields(in: object, schema: schema)
    }

    var acceptsStrategicMerge: Bool { false }

    func openAPISchema(_ r: ResourceInfo) -> JSONValue? { schema }

    // MARK: Table

    func columns(_ r: ResourceInfo) -> [TableColumn] { printer.tableColumns }

    func cells(_ object: JSONValue, resource r: ResourceInfo, now: Date) -> [JSONValue] { printer.cells(object, now: now) }

    // MARK: field selectors

    var selectableFields: [String] { selectable.map(\.name) }

    func selectableFieldValues(_ object: JSONValue) -> [String: String] {
        var values: [String: String] = [:]
        for field in selectable {
            guard let value = field.path.evaluate(object).first else { continue }
            switch value {
            case .string(let s): values[field.name] = s
            case .null: continue
            default: values[field.name] = value.jsonString
            }
        }
        return values
    }

    // MARK: scale

    func scale(of object: JSONValue, resource r: ResourceInfo) -> JSONValue {
        guard let paths = scalePaths else { return RequestHandler.scale(of: object, r) }
        var metadata: [String: JSONValue] = [:]
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { metadata[key] = object.metadata[key] }
        var status: [String: JSONValue] = ["replicas": .int(paths.status.evaluate(object).first?.intValue ?? 0)]
        if let selector = paths.selector?.evaluate(object).first?.stringValue { status["selector"] = .string(selector) }
        return .object([
            "kind": .string("Scale"), "apiVersion": .string("autoscaling/v1"), "metadata": .object(metadata),
            "spec": .object(["replicas": .int(paths.spec.evaluate(object).first?.intValue ?? 0)]),
            "status": .object(status),
        ])
    }

    func setScaleReplicas(_ replicas: Int64, in object: inout JSONValue) {
        guard let paths = scalePaths else { return }
        paths.spec.set(.int(replicas), in: &object)
    }

    // MARK: conversion None

    func convertToStorage(_ object: JSONValue) -> JSONValue { rewrite(object, to: storageAPIVersion) }
    func convertFromStorage(_ object: JSONValue) -> JSONValue { rewrite(object, to: servedAPIVersion) }

    private func rewrite(_ object: JSONValue, to apiVersion: String) -> JSONValue {
        guard case .object = object, object["apiVersion"] != nil else { return object }
        var copy = object
        copy["apiVersion"] = .string(apiVersion)
        return copy
    }
}

extension CustomResourceStrategy {
    /// The registry entries a CRD serves: one per served version, the storage version stored and
    /// the others served by conversion to it. Empty when the CRD has no usable storage version.
    static func resources(of crd: JSONValue) -> [ResourceInfo] {
        let spec = crd["spec"] ?? .object([:])
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"] ?? .object([:])
        let versions = spec["versions"]?.arrayValue ?? []
        guard let storage = versions.first(where: { $0["storage"]?.boolValue == true })?["name"]?.stringValue,
              let plural = names["plural"]?.stringValue, let kind = names["kind"]?.stringValue else { return [] }
        let strings: (String) -> [String] = { key in (names[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        var result: [ResourceInfo] = []
        for version in versions where version["served"]?.boolValue == true {
            guard let name = version["name"]?.stringValue else { continue }
            let sub = version["subresources"]
            var subresources: [ResourceInfo.Subresource] = []
            if sub?["status"] != nil { subresources.append(.status) }
            if sub?["scale"] != nil { subresources.append(.scale) }
            var info = ResourceInfo(group: group, version: name, kind: kind, plural: plural,
                                    singular: names["singular"]?.stringValue ?? kind.lowercased(), shortNames: strings("shortNames"),
                                    namespaced: spec["scope"]?.stringValue != "Cluster", categories: strings("categories"),
                                    subresources: subresources, storageVersion: name == storage ? nil : storage)
            var scalePaths: (spec: JSONPathExpression, status: JSONPathExpression, selector: JSONPathExpression?)?
            if let scale = sub?["scale"], let specPath = scale["specReplicasPath"]?.stringValue,
               let statusPath = scale["statusReplicasPath"]?.stringValue {
                scalePaths = (spec: JSONPathExpression(specPath), status: JSONPathExpression(statusPath),
                              selector: scale["labelSelectorPath"]?.stringValue.map { JSONPathExpression($0) })
            }
            let selectable = (version["selectableFields"]?.arrayValue ?? []).compactMap { field -> (name: String, path: JSONPathExpression)? in
                guard let text = field["jsonPath"]?.stringValue else { return nil }
                let path = JSONPathExpression(text)
                return (name: path.fieldPath ?? text, path: path)
            }
            let strategy = CustomResourceStrategy(
                schema: version["schema"]?["openAPIV3Schema"] ?? .object(["type": .string("object"), "x-kubernetes-preserve-unknown-fields": .bool(true)]),
                storageAPIVersion: "\(group)/\(storage)", servedAPIVersion: "\(group)/\(name)",
                printer: CustomResourceColumns(additionalPrinterColumns: version["additionalPrinterColumns"]?.arrayValue),
                selectable: selectable, scalePaths: scalePaths)
            info = info.with(strategy)
            result.append(info)
        }
        return result
    }
}
