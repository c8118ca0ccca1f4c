/// Pod spec validation (core/validation ValidatePodSpec and the container, port, volume and
/// resource checks under it), in Kubernetes' order.
extension Validation {
    static let supportedProtocols = ["SCTP", "TCP", "UDP"]

    static func validatePodTemplate(_ template: JSONObject?, path: String, into errors: inout FieldErrors) {
        guard let template else {
            errors.required(path)
            return
        }
        let meta = template.objectField("metadata") ?? [:]
        validateLabels(meta.objectField("labels"), path: path.fieldChild("metadata.labels"), into: &errors)
        validateAnnotations(meta.objectField("annotations"), path: path.fieldChild("metadata.annotations"), into: &errors)
        validatePodSpec(template.objectField("spec") ?? [:], path: path.fieldChild("spec"), into: &errors)
    }

    static func validatePodSpec(_ spec: JSONObject, path: String, into errors: inout FieldErrors) {
        let volumes = validateVolumes(spec.arrayField("volumes") ?? [], path: path.fieldChild("volumes"), into: &errors)
        var containerNames = Set<String>()
        let containers = spec.arrayField("containers") ?? []
        if containers.isEmpty { errors.required(path.fieldChild("containers")) }
        for (i, container) in containers.enumerated() {
            validateContainer(container.objectValue ?? [:], path: path.fieldChild("containers").fieldIndex(i),
                              volumes: volumes, names: &containerNames, into: &errors)
        }
        for (i, container) in (spec.arrayField("initContainers") ?? []).enumerated() {
            validateContainer(container.objectValue ?? [:], path: path.fieldChild("initContainers").fieldIndex(i),
                              volumes: volumes, names: &containerNames, into: &errors)
        }
        validateEnum(spec["restartPolicy"], path: path.fieldChild("restartPolicy"), supported: ["Always", "OnFailure", "Never"], into: &errors)
        validateEnum(spec["dnsPolicy"], path: path.fieldChild("dnsPolicy"),
                     supported: ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"], into: &errors)
        validateLabels(spec.objectField("nodeSelector"), path: path.fieldChild("nodeSelector"), into: &errors)
        validateAffinity(spec.objectField("affinity"), path: path.fieldChild("affinity"), into: &errors)
        if let deadline = spec["activeDeadlineSeconds"]?.intValue, deadline < 1 || deadline > Int64(Int32.max) {
            errors.invalid(path.fieldChild("activeDeadlineSeconds"), .int(deadline), "must be between 1 and 2147483647, inclusive")
        }
        if let account = spec.stringField("serviceAccountName"), !account.isEmpty {
            for message in NameRules.dns1123Subdomain(account) {
                errors.invalid(path.fieldChild("serviceAccountName"), .string(account), message)
            }
        }
        if let host = spec.stringField("hostname"), !host.isEmpty {
            for message in NameRules.dns1123Label(host) { errors.invalid(path.fieldChild("hostname"), .string(host), message) }
        }
    }

    /// Required when empty, Unsupported when not one of `supported` (listed in that order).
    static func validateEnum(_ value: JSONValue?, path: String, supported: [String], into errors: inout FieldErrors) {
        let text = value?.stringValue ?? ""
        if text.isEmpty {
            errors.required(path)
        } else if !supported.contains(text) {
            errors.notSupported(path, .string(text), supported)
        }
    }

    static func validateContainer(_ container: JSONObject, path: String, volumes: Set<String>,
                                  names: inout Set<String>, into errors: inout FieldErrors) {
        let name = container.stringField("name") ?? ""
        let namePath = path.fieldChild("name")
        if name.isEmpty {
            errors.required(namePath)
        } else {
            for message in NameRules.dns1123Label(name) { errors.invalid(namePath, .string(name), message) }
        }
        if names.contains(name) {
            errors.duplicate(namePath, .string(name))
        } else {
            names.insert(name)
        }
        let image = container.stringField("image") ?? ""
        if image.isEmpty {
            errors.required(path.fieldChild("image"))
        } else if image.hasASCIIWhitespaceAtEnds {
            errors.invalid(path.fieldChild("image"), .string(image), "must not have leading or trailing whitespace")
        }
        if let policy = container.stringField("imagePullPolicy"), !["Always", "IfNotPresent", "Never"].contains(policy) {
            errors.notSupported(path.fieldChild("imagePullPolicy"), .string(policy), ["Always", "IfNotPresent", "Never"])
        }
        validateContainerPorts(container.arrayField("ports") ?? [], path: path.fieldChild("ports"), into: &errors)
        for (i, env) in (container.arrayField("env") ?? []).enumerated() where env.objectValue?.stringField("name")?.isEmpty ?? true {
            errors.required(path.fieldChild("env").fieldIndex(i).fieldChild("name"))
        }
        var mountPoints = Set<String>()
        for (i, mount) in (container.arrayField("volumeMounts") ?? []).enumerated() {
            let m = mount.objectValue ?? [:]
            let mountPath = path.fieldChild("volumeMounts").fieldIndex(i)
            let volume = m.stringField("name") ?? ""
            if volume.isEmpty { errors.required(mountPath.fieldChild("name")) }
            if !volumes.contains(volume) { errors.notFound(mountPath.fieldChild("name"), .string(volume)) }
            let target = m.stringField("mountPath") ?? ""
            if target.isEmpty { errors.required(mountPath.fieldChild("mountPath")) }
            if mountPoints.contains(target) {
                errors.invalid(mountPath.fieldChild("mountPath"), .string(target), "must be unique")
            }
            mountPoints.insert(target)
        }
        validateResources(container.objectField("resources") ?? [:], path: path.fieldChild("resources"), into: &errors)
    }

    static func validateContainerPorts(_ ports: [JSONValue], path: String, into errors: inout FieldErrors) {
        var names = Set<String>()
        for (i, item) in ports.enumerated() {
            let port = item.objectValue ?? [:]
            let portPath = path.fieldIndex(i)
            if let name = port.stringField("name"), !name.isEmpty {
                let messages = NameRules.portName(name)
                if !messages.isEmpty {
                    for message in messages { errors.invalid(portPath.fieldChild("name"), .string(name), message) }
                } else if names.contains(name) {
                    errors.duplicate(portPath.fieldChild("name"), .string(name))
                } else {
                    names.insert(name)
                }
            }
            let containerPort = port["containerPort"]?.intValue ?? 0
            if containerPort == 0 {
                errors.required(portPath.fieldChild("containerPort"))
            } else {
                for message in NameRules.portNumber(containerPort) {
                    errors.invalid(portPath.fieldChild("containerPort"), .int(containerPort), message)
                }
            }
            if let hostPort = port["hostPort"]?.intValue, hostPort != 0 {
                for message in NameRules.portNumber(hostPort) {
                    errors.invalid(portPath.fieldChild("hostPort"), .int(hostPort), message)
                }
            }
            validateProtocol(port["protocol"], path: portPath.fieldChild("protocol"), into: &errors)
        }
    }

    static func validateProtocol(_ value: JSONValue?, path: String, into errors: inout FieldErrors) {
        let text = value?.stringValue ?? ""
        if text.isEmpty {
            errors.required(path)
        } else if !supportedProtocols.contains(text) {
            errors.notSupported(path, .string(text), supportedProtocols)
        }
    }

    /// Requests must not exceed limits; quantities must not be negative.
    static func validateResources(_ resources: JSONObject, path: String, into errors: inout FieldErrors) {
        let limits = resources.objectField("limits") ?? [:]
        let requests = resources.objectField("requests") ?? [:]
        for name in limits.keys.sorted() {
            if let amount = ResourceAmount(limits[name]), amount.value < 0 {
                errors.invalid(path.fieldChild("limits").fieldKey(name), .string(limits[name]?.quantityText ?? ""), "must be greater than or equal to 0")
            }
        }
        for name in requests.keys.sorted() {
            guard let request = requests[name] else { continue }
            let amount = ResourceAmount(request)
            if let amount, amount.value < 0 {
                errors.invalid(path.fieldChild("requests").fieldKey(name), .string(request.quantityText), "must be greater than or equal to 0")
            }
            if let limit = limits[name], let amount, let limitAmount = ResourceAmount(limit), amount > limitAmount {
                errors.invalid(path.fieldChild("requests"), .string(request.quantityText),
                               "must be less than or equal to \(name) limit of \(limit.quantityText)")
            }
        }
    }

    /// Returns the names of the valid volumes (mounts may only reference those).
    static func validateVolumes(_ volumes: [JSONValue], path: String, into errors: inout FieldErrors) -> Set<String> {
        var names = Set<String>()
        for (i, item) in volumes.enumerated() {
            let volume = item.objectValue ?? [:]
            let volumePath = path.fieldIndex(i)
            let name = volume.stringField("name") ?? ""
            var sourceErrors = FieldErrors()
            validateVolumeSource(volume, path: volumePath, into: &sourceErrors)
            if name.isEmpty {
                errors.required(volumePath.fieldChild("name"))
            } else {
                for message in NameRules.dns1123Label(name) { errors.invalid(volumePath.fieldChild("name"), .string(name), message) }
            }
            if names.contains(name) { errors.duplicate(volumePath.fieldChild("name"), .string(name)) }
            if sourceErrors.causes.isEmpty {
                names.insert(name)
            } else {
                errors.causes += sourceErrors.causes
            }
        }
        return names
    }

    static func validateVolumeSource(_ volume: JSONObject, path: String, into errors: inout FieldErrors) {
        let sources = volume.keys.filter { Defaulting.volumeSourceKeys.contains($0) && volume[$0] != .null }.sorted()
        guard let source = sources.first else {
            errors.required(path, "must specify a volume type")
            return
        }
        for extra in sources.dropFirst() {
            errors.forbidden(path.fieldChild(extra), "may not specify more than 1 volume type")
        }
        let body = volume.objectField(source) ?? [:]
        let sourcePath = path.fieldChild(source)
        let requiredFields: [String: String] = [
            "configMap": "name", "secret": "secretName", "hostPath": "path", "persistentVolumeClaim": "claimName", "nfs": "server",
        ]
        if let field = requiredFields[source], body.stringField(field)?.isEmpty ?? true {
            errors.required(sourcePath.fieldChild(field))
        }
        if let mode = body["defaultMode"]?.intValue, mode < 0 || mode > 0o777 {
            errors.invalid(sourcePath.fieldChild("defaultMode"), .int(mode), "must be a number between 0 and 0777 (octal), both inclusive")
        }
    }
}

extension String {
    /// Whether the first or last byte is ASCII whitespace (`strings.TrimSpace` would change it).
    var hasASCIIWhitespaceAtEnds: Bool {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        return utf8.first.map(isSpace) == true || utf8.last.map(isSpace) == true
    }

    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[start...end]
    }
}
