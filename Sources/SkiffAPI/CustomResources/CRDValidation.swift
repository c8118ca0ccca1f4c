/// Validation and defaulting of `apiextensions.k8s.io/v1` CustomResourceDefinitions, as
/// apiextensions-apiserver's strategy checks them (names, group, scope, versions with exactly
/// one storage version, a structural schema per version, subresources, printer columns,
/// selectable fields), with its field paths and messages.
public enum CRDValidation {
    /// Fills what the v1 defaults fill: singular and listKind from kind, conversion None.
    public static func applyDefaults(_ crd: inout JSONValue) {
        guard case .object = crd, var spec = crd["spec"], case .object = spec else { return }
        var names = spec["names"] ?? .object([:])
        if case .object = names {
            let kind = names["kind"]?.stringValue ?? ""
            if (names["singular"]?.stringValue ?? "").isEmpty, !kind.isEmpty { names["singular"] = .string(kind.lowercased()) }
            if (names["listKind"]?.stringValue ?? "").isEmpty, !kind.isEmpty { names["listKind"] = .string(kind + "List") }
            spec["names"] = names
        }
        if spec["conversion"] == nil || spec["conversion"]?.isNull == true { spec["conversion"] = .object(["strategy": .string("None")]) }
        crd["spec"] = spec
    }

    public static func validate(_ crd: JSONValue) -> [FieldCause] {
        var errors = FieldErrors()
        let metadata = crd["metadata"]?.objectValue ?? [:]
        Validation.validateObjectMeta(metadata, kind: GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition"),
                                      into: &errors)
        let spec = crd["spec"] ?? .object([:])
        let group = spec["group"]?.stringValue ?? ""
        let plural = spec["names"]?["plural"]?.stringValue ?? ""
        let name = metadata.stringField("name") ?? ""
        if name != "\(plural).\(group)" {
            errors.invalid("metadata.name", .string(name), "must be spec.names.plural+\".\"+spec.group")
        }
        if group.isEmpty {
            errors.required("spec.group")
        } else {
            for message in NameRules.dns1123Subdomain(group) { errors.invalid("spec.group", .string(group), message) }
            if !group.contains(".") { errors.invalid("spec.group", .string(group), "should be a domain with at least one dot") }
        }
        switch spec["scope"]?.stringValue ?? "" {
        case "Cluster", "Namespaced": break
        case "": errors.required("spec.scope")
        case let other: errors.notSupported("spec.scope", .string(other), ["Cluster", "Namespaced"])
        }
        validateNames(spec["names"] ?? .object([:]), path: "spec.names", into: &errors)
        validateVersions(spec, into: &errors)
        if let conversion = spec["conversion"], let strategy = conversion["strategy"]?.stringValue {
            switch strategy {
            case "None": break
            case "Webhook": errors.forbidden("spec.conversion.strategy", "conversion webhooks are not supported by this server yet")
            default: errors.notSupported("spec.conversion.strategy", .string(strategy), ["None", "Webhook"])
            }
        }
        return errors.causes
    }

    /// An update: the create rules, plus what may not change (scope, and group).
    public static func validateUpdate(_ crd: JSONValue, old: JSONValue) -> [FieldCause] {
        var errors = FieldErrors()
        errors.causes = validate(crd)
        errors.immutable("spec.group", new: crd["spec"]?["group"], old: old["spec"]?["group"])
        errors.immutable("spec.scope", new: crd["spec"]?["scope"], old: old["spec"]?["scope"])
        return errors.causes
    }

    private static func validateNames(_ names: JSONValue, path: String, into errors: inout FieldErrors) {
        func label(_ key: String, required: Bool) {
            let value = names[key]?.stringValue ?? ""
            if value.isEmpty {
                if required { errors.required(path.fieldChild(key)) }
                return
            }
            for message in NameRules.dns1035Label(value) { errors.invalid(path.fieldChild(key), .string(value), message) }
        }
        label("plural", required: true)
        label("singular", required: false)
        let kind = names["kind"]?.stringValue ?? ""
        if kind.isEmpty {
            errors.required(path.fieldChild("kind"))
        } else {
            for message in NameRules.dns1035Label(kind.lowercased()) {
                errors.invalid(path.fieldChild("kind"), .string(kind), message)
            }
        }
        let listKind = names["listKind"]?.stringValue ?? ""
        if !listKind.isEmpty {
            for message in NameRules.dns1035Label(listKind.lowercased()) {
                errors.invalid(path.fieldChild("listKind"), .string(listKind), message)
            }
            if listKind == kind { errors.invalid(path.fieldChild("listKind"), .string(listKind), "kind and listKind may not be the same") }
        }
        for (i, short) in (names["shortNames"]?.arrayValue ?? []).enumerated() {
            let s = short.stringValue ?? ""
            for message in NameRules.dns1035Label(s) { errors.invalid(path.fieldChild("shortNames").fieldIndex(i), .string(s), message) }
        }
        for (i, category) in (names["categories"]?.arrayValue ?? []).enumerated() {
            let s = category.stringValue ?? ""
            for message in NameRules.dns1035Label(s) { errors.invalid(path.fieldChild("categories").fieldIndex(i), .string(s), message) }
        }
    }

    private static func validateVersions(_ spec: JSONValue, into errors: inout FieldErrors) {
        let versions = spec["versions"]?.arrayValue ?? []
        if versions.isEmpty {
            errors.invalid("spec.versions", .goSyntax("[]apiextensions.CustomResourceDefinitionVersion(nil)"), "must have exactly one version marked as storage version")
            return
        }
        let storage = versions.filter { $0["storage"]?.boolValue == true }.count
        if storage != 1 {
            errors.invalid("spec.versions", .goSyntax(versionsText(versions)), "must have exactly one version marked as storage version")
        }
        if !versions.contains(where: { $0["served"]?.boolValue == true }) {
            errors.invalid("spec.versions", .goSyntax(versionsText(versions)), "must have at least one version marked as served")
        }
        var seen: Set<String> = []
        for (i, version) in versions.enumerated() {
            let path = "spec.versions".fieldIndex(i)
            let name = version["name"]?.stringValue ?? ""
            if name.isEmpty {
                errors.required(path.fieldChild("name"))
            } else {
                for message in NameRules.dns1035Label(name) { errors.invalid(path.fieldChild("name"), .string(name), message) }
                if !seen.insert(name).inserted { errors.duplicate(path.fieldChild("name"), .string(name)) }
            }
            let schemaPath = path.fieldChild("schema").fieldChild("openAPIV3Schema")
            if let schema = version["schema"]?["openAPIV3Schema"], case .object = schema {
                StructuralCheck.check(schema, path: schemaPath, into: &errors)
                validateSubresources(version["subresources"], schema: schema, path: path.fieldChild("subresources"), into: &errors)
            } else {
                errors.required(schemaPath, "schemas are required")
            }
            for (j, column) in (version["additionalPrinterColumns"]?.arrayValue ?? []).enumerated() {
                let cpath = path.fieldChild("additionalPrinterColumns").fieldIndex(j)
                if (column["name"]?.stringValue ?? "").isEmpty { errors.required(cpath.fieldChild("name")) }
                let type = column["type"]?.stringValue ?? ""
                if type.isEmpty {
                    errors.required(cpath.fieldChild("type"))
                } else if !["integer", "number", "string", "boolean", "date"].contains(type) {
                    errors.notSupported(cpath.fieldChild("type"), .string(type), ["boolean", "date", "integer", "number", "string"])
                }
                if (column["jsonPath"]?.stringValue ?? "").isEmpty { errors.required(cpath.fieldChild("jsonPath")) }
            }
            let selectable = version["selectableFields"]?.arrayValue ?? []
            if selectable.count > 8 { errors.tooMany(path.fieldChild("selectableFields"), actual: selectable.count, max: 8) }
            for (j, field) in selectable.enumerated() {
                let jsonPath = field["jsonPath"]?.stringValue ?? ""
                let fpath = path.fieldChild("selectableFields").fieldIndex(j).fieldChild("jsonPath")
                if jsonPath.isEmpty { errors.required(fpath) } else if !jsonPath.hasPrefix(".") {
                    errors.invalid(fpath, .string(jsonPath), "must be a simple json path starting with .")
                }
            }
        }
    }

    private static func validateSubresources(_ subresources: JSONValue?, schema: JSONValue, path: String, into errors: inout FieldErrors) {
        guard let scale = subresources?["scale"], case .object = scale else { return }
        let spath = path.fieldChild("scale")
        let spec = scale["specReplicasPath"]?.stringValue ?? ""
        if spec.isEmpty {
            errors.required(spath.fieldChild("specReplicasPath"))
        } else if !spec.hasPrefix(".spec.") {
            errors.invalid(spath.fieldChild("specReplicasPath"), .string(spec), "should be a json path under .spec")
        }
        let status = scale["statusReplicasPath"]?.stringValue ?? ""
        if status.isEmpty {
            errors.required(spath.fieldChild("statusReplicasPath"))
        } else if !status.hasPrefix(".status.") {
            errors.invalid(spath.fieldChild("statusReplicasPath"), .string(status), "should be a json path under .status")
        }
        if let selector = scale["labelSelectorPath"]?.stringValue, !selector.isEmpty,
           !selector.hasPrefix(".spec.") && !selector.hasPrefix(".status.") {
            errors.invalid(spath.fieldChild("labelSelectorPath"), .string(selector), "should be a json path under either .spec or .status")
        }
    }

    private static func versionsText(_ versions: [JSONValue]) -> String {
        let items = versions.map { v in
            "apiextensions.CustomResourceDefinitionVersion{Name:\(goQuote(v["name"]?.stringValue ?? "")), Served:\(v["served"]?.boolValue ?? false), Storage:\(v["storage"]?.boolValue ?? false)}"
        }
        return "[]apiextensions.CustomResourceDefinitionVersion{\(items.joined(separator: ", "))}"
    }
}

/// The structural-schema rules (apiextensions' `schema.ValidateStructural`): every specified
/// schema has a type (unless it is int-or-string or preserves unknown fields), the root is an
/// object, `metadata` at the root restricts only name and generateName, `properties` and
/// `additionalProperties` exclude each other, and patterns compile.
enum StructuralCheck {
    static func check(_ schema: JSONValue, path: String, into errors: inout FieldErrors) {
        let type = schema["type"]?.stringValue ?? ""
        if type.isEmpty {
            errors.required(path.fieldChild("type"), "must not be empty at the root")
        } else if type != "object" {
            errors.invalid(path.fieldChild("type"), .string(type), "must be object at the root")
        }
        if let metadata = schema["properties"]?["metadata"] {
            let allowed: Set<String> = ["type", "properties", "description"]
            if let keys = metadata.objectValue?.keys, keys.contains(where: { !allowed.contains($0) }) {
                errors.forbidden(path.fieldChild("properties").fieldKey("metadata"), "must not specify anything other than name and generateName, but metadata is implicitly specified")
            }
            if let props = metadata["properties"]?.objectValue, props.keys.contains(where: { $0 != "name" && $0 != "generateName" }) {
                errors.forbidden(path.fieldChild("properties").fieldKey("metadata"), "must not specify anything other than name and generateName, but metadata is implicitly specified")
            }
        }
        walk(schema, path: path, root: true, into: &errors)
    }

    private static let knownTypes: Set<String> = ["object", "array", "string", "integer", "number", "boolean"]

    private static func walk(_ schema: JSONValue, path: String, root: Bool, into errors: inout FieldErrors) {
        guard case .object = schema else { return }
        let type = schema["type"]?.stringValue ?? ""
        let intOrString = schema["x-kubernetes-int-or-string"]?.boolValue == true
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        if !type.isEmpty, !knownTypes.contains(type) {
            errors.notSupported(path.fieldChild("type"), .string(type), ["array", "boolean", "integer", "number", "object", "string"])
        }
        if intOrString, !type.isEmpty {
            errors.invalid(path.fieldChild("type"), .string(type), "must be empty if x-kubernetes-int-or-string is true")
        }
        if schema["properties"] != nil, let additional = schema["additionalProperties"], additional != .bool(false) {
            errors.forbidden(path.fieldChild("additionalProperties"), "additionalProperties and properties are mutual exclusive")
        }
        if let pattern = schema["pattern"]?.stringValue, !PatternCache.compiles(pattern) {
            errors.invalid(path.fieldChild("pattern"), .string(pattern), "must be a valid regular expression, but isn't")
        }
        if type == "array", schema["items"] == nil {
            errors.required(path.fieldChild("items"), "must be specified")
        }
        if let listType = schema["x-kubernetes-list-type"]?.stringValue {
            if !["atomic", "set", "map"].contains(listType) {
                errors.notSupported(path.fieldChild("x-kubernetes-list-type"), .string(listType), ["atomic", "set", "map"])
            } else if listType == "map", (schema["x-kubernetes-list-map-keys"]?.arrayValue ?? []).isEmpty {
                errors.required(path.fieldChild("x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map")
            }
        }
        for (key, sub) in schema["properties"]?.objectValue ?? [:] {
            let child = path.fieldChild("properties").fieldKey(key)
            requireType(sub, path: child, items: false, into: &errors)
            walk(sub, path: child, root: false, into: &errors)
        }
        if let items = schema["items"], case .object = items {
            let child = path.fieldChild("items")
            requireType(items, path: child, items: true, into: &errors)
            walk(items, path: child, root: false, into: &errors)
        }
        if let additional = schema["additionalProperties"], case .object = additional {
            let child = path.fieldChild("additionalProperties")
            requireType(additional, path: child, items: false, into: &errors)
            walk(additional, path: child, root: false, into: &errors)
        }
        _ = root
        _ = preserve
    }

    private static func requireType(_ schema: JSONValue, path: String, items: Bool, into errors: inout FieldErrors) {
        guard (schema["type"]?.stringValue ?? "").isEmpty else { return }
        if schema["x-kubernetes-int-or-string"]?.boolValue == true { return }
        if schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true { return }
        errors.required(path.fieldChild("type"), items ? "must not be empty for specified array items" : "must not be empty for specified object fields")
    }
}
