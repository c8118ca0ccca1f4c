import Foundation

/// Service, ConfigMap, Secret and Namespace validation (core/validation).
extension Validation {
    static let nodePortRange: ClosedRange<Int64> = 30000...32767

    static func validateService(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        let type = spec.stringField("type") ?? ""
        let clusterIP = spec.stringField("clusterIP") ?? ""
        let headless = clusterIP == "None"
        let ports = spec.arrayField("ports") ?? []
        if ports.isEmpty && !headless && type != "ExternalName" { errors.required("spec.ports") }
        if type == "ExternalName" {
            var name = spec.stringField("externalName") ?? ""
            if name.hasSuffix(".") { name.removeLast() }
            if name.isEmpty {
                errors.required("spec.externalName")
            } else {
                for message in NameRules.dns1123Subdomain(name) { errors.invalid("spec.externalName", .string(name), message) }
            }
        }
        var names = Set<String>()
        for (i, item) in ports.enumerated() {
            validateServicePort(item.objectValue ?? [:], requireName: ports.count > 1, names: &names,
                                path: "spec.ports".fieldIndex(i), into: &errors)
        }
        if spec["selector"] != nil {
            validateLabels(spec.objectField("selector"), path: "spec.selector", into: &errors)
        }
        let affinity = spec.stringField("sessionAffinity") ?? ""
        if affinity.isEmpty {
            errors.required("spec.sessionAffinity")
        } else if affinity != "ClientIP" && affinity != "None" {
            errors.notSupported("spec.sessionAffinity", .string(affinity), ["ClientIP", "None"])
        }
        let clusterIPs = spec.arrayField("clusterIPs")?.compactMap(\.stringValue) ?? (clusterIP.isEmpty ? [] : [clusterIP])
        for (i, ip) in clusterIPs.enumerated() where ip != "None" && !isIPAddress(ip) {
            errors.invalid("spec.clusterIPs".fieldIndex(i), .string(ip), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
        }
        if headless && (type == "NodePort" || type == "LoadBalancer") {
            errors.invalid("spec.clusterIPs[0]", .string("None"), "may not be set to 'None' for \(type) services")
        }
        if type.isEmpty {
            errors.required("spec.type")
        } else if !["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"].contains(type) {
            errors.notSupported("spec.type", .string(type), ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"])
        }
        var nodePorts = Set<String>()
        var portKeys = Set<String>()
        for (i, item) in ports.enumerated() {
            let port = item.objectValue ?? [:]
            let path = "spec.ports".fieldIndex(i)
            let nodePort = port["nodePort"]?.intValue ?? 0
            let proto = port.stringField("protocol") ?? ""
            if nodePort != 0 {
                if type == "ClusterIP" {
                    errors.forbidden(path.fieldChild("nodePort"), "may not be used when `type` is 'ClusterIP'")
                } else if !nodePortRange.contains(nodePort) {
                    errors.invalid(path.fieldChild("nodePort"), .int(nodePort),
                                   "provided port is not in the valid range. The range of valid ports is 30000-32767")
                }
                if !nodePorts.insert("\(proto)/\(nodePort)").inserted {
                    errors.duplicate(path.fieldChild("nodePort"), .int(nodePort))
                }
            }
            let number = port["port"]?.intValue ?? 0
            if !portKeys.insert("\(proto)/\(number)").inserted {
                errors.duplicate(path, .goSyntax("core.ServicePort{Name:\"\", Protocol:\(goQuote(proto)), AppProtocol:(*string)(nil), Port:\(number), TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"))
            }
        }
    }

    static func validateServicePort(_ port: JSONObject, requireName: Bool, names: inout Set<String>, path: String,
                                    into errors: inout FieldErrors) {
        let name = port.stringField("name") ?? ""
        if requireName && name.isEmpty {
            errors.required(path.fieldChild("name"))
        } else if !name.isEmpty {
            for message in NameRules.dns1123Label(name) { errors.invalid(path.fieldChild("name"), .string(name), message) }
            if !names.insert(name).inserted { errors.duplicate(path.fieldChild("name"), .string(name)) }
        }
        let number = port["port"]?.intValue ?? 0
        for message in NameRules.portNumber(number) { errors.invalid(path.fieldChild("port"), .int(number), message) }
        validateProtocol(port["protocol"], path: path.fieldChild("protocol"), into: &errors)
        validatePortNumberOrName(port["targetPort"], path: path.fieldChild("targetPort"), into: &errors)
    }

    static func validatePortNumberOrName(_ value: JSONValue?, path: String, into errors: inout FieldErrors) {
        switch value {
        case .string(let name)?:
            for message in NameRules.portName(name) { errors.invalid(path, .string(name), message) }
        case let number? where number.intValue != nil:
            let port = number.intValue ?? 0
            for message in NameRules.portNumber(port) { errors.invalid(path, .int(port), message) }
        default:
            errors.invalid(path, GoValue(value), "must be an int or string")
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        if text.contains(":") {
            var address = in6_addr()
            return inet_pton(AF_INET6, text, &address) == 1
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && (Int(part) ?? 256) <= 255
                && !(part.count > 1 && part.first == "0")
        }
    }

    // MARK: - ConfigMap, Secret, Namespace

    static let maxSecretSize = 1024 * 1024

    static func validateConfigMap(_ object: JSONObject, into errors: inout FieldErrors) {
        let data = object.objectField("data") ?? [:]
        let binary = object.objectField("binaryData") ?? [:]
        var total = 0
        for key in data.keys.sorted() {
            for message in NameRules.configMapKey(key) { errors.invalid("data".fieldKey(key), .string(key), message) }
            if binary[key] != nil {
                errors.invalid("data".fieldKey(key), .string(key), "duplicate of key present in binaryData")
            }
            total += data[key]?.stringValue?.utf8.count ?? 0
        }
        for key in binary.keys.sorted() {
            for message in NameRules.configMapKey(key) { errors.invalid("binaryData".fieldKey(key), .string(key), message) }
            total += decodedBase64Length(binary[key]?.stringValue ?? "")
        }
        if total > maxSecretSize { errors.tooLong("", maxBytes: maxSecretSize) }
    }

    static func validateSecret(_ object: JSONObject, into errors: inout FieldErrors) {
        let data = object.objectField("data") ?? [:]
        var total = 0
        for key in data.keys.sorted() {
            for message in NameRules.configMapKey(key) { errors.invalid("data".fieldKey(key), .string(key), message) }
            total += decodedBase64Length(data[key]?.stringValue ?? "")
        }
        if total > maxSecretSize { errors.tooLong("data", maxBytes: maxSecretSize) }
        switch object.stringField("type") ?? "" {
        case "kubernetes.io/service-account-token":
            let annotations = object.objectField("metadata")?.objectField("annotations") ?? [:]
            if annotations.stringField("kubernetes.io/service-account.name")?.isEmpty ?? true {
                errors.required("metadata.annotations[kubernetes.io/service-account.name]")
            }
        case "kubernetes.io/dockercfg":
            validateDockerConfig(data, key: ".dockercfg", into: &errors)
        case "kubernetes.io/dockerconfigjson":
            validateDockerConfig(data, key: ".dockerconfigjson", into: &errors)
        case "kubernetes.io/basic-auth":
            if data["username"] == nil && data["password"] == nil {
                errors.required("data[username]")
                errors.required("data[password]")
            }
        case "kubernetes.io/ssh-auth":
            if (data.stringField("ssh-privatekey") ?? "").isEmpty { errors.required("data[ssh-privatekey]") }
        case "kubernetes.io/tls":
            if data["tls.crt"] == nil { errors.required("data[tls.crt]") }
            if data["tls.key"] == nil { errors.required("data[tls.key]") }
        default: break
        }
    }

    private static func validateDockerConfig(_ data: JSONObject, key: String, into errors: inout FieldErrors) {
        guard let encoded = data.stringField(key) else {
            errors.required("data".fieldKey(key))
            return
        }
        guard let decoded = Data(base64Encoded: encoded), (try? JSONValue.parse(Array(decoded)))?.objectValue != nil else {
            errors.invalid("data".fieldKey(key), .string("<secret contents redacted>"), "invalid character looking for beginning of value")
            return
        }
    }

    /// Bytes a base64 text decodes to (what Kubernetes counts towards the 1 MiB limit).
    static func decodedBase64Length(_ text: String) -> Int {
        let count = text.utf8.count
        let padding = text.utf8.reversed().prefix(2).filter { $0 == UInt8(ascii: "=") }.count
        return max(0, count / 4 * 3 + (count % 4 == 0 ? 0 : (count % 4) * 3 / 4) - padding)
    }

    static func validateNamespace(_ object: JSONObject, into errors: inout FieldErrors) {
        for finalizer in object.objectField("spec")?.arrayField("finalizers") ?? [] {
            let name = finalizer.stringValue ?? ""
            let messages = NameRules.qualifiedName(name)
            for message in messages { errors.invalid("spec.finalizers", .string(name), message) }
            if messages.isEmpty && !name.contains("/") && !["kubernetes", "orphan", "foregroundDeletion"].contains(name) {
                errors.invalid("spec.finalizers", .string(name), "name is neither a standard finalizer name nor is it fully qualified")
            }
        }
    }
}
