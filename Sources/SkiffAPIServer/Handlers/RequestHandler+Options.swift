import SkiffAPI

/// The checks kube-apiserver makes on a request's options before it touches storage: query
/// parameters that do not decode into the options struct are a 400 (the parameter codec's error),
/// options that decode but break the rules are a 422 on the options kind
/// (`ListOptions.meta.k8s.io "" is invalid: …`, ValidateListOptions / ValidateCreateOptions / …).
extension RequestHandler {
    func validateOptions(verb: String, request: APIRequest) throws(APIError) {
        let integers: [String]
        switch verb {
        case "list", "watch": integers = ["limit", "timeoutSeconds"]
        case "delete": integers = ["gracePeriodSeconds"]
        case "deletecollection": integers = ["gracePeriodSeconds", "limit", "timeoutSeconds"]
        default: integers = []
        }
        for key in integers {
            if let text = request.query[key], !text.isEmpty, Int64(text) == nil {
                throw .badRequest("strconv.ParseInt: parsing \(goQuoted(text)): invalid syntax")
            }
        }
        let optionsKind: String
        switch verb {
        case "create": optionsKind = "CreateOptions"
        case "update": optionsKind = "UpdateOptions"
        case "patch": optionsKind = "PatchOptions"
        case "delete", "deletecollection": optionsKind = "DeleteOptions"
        case "list":
            try validateListOptions(request)
            return
        default: return
        }
        // ValidateCreateOptions / ValidateUpdateOptions / ValidatePatchOptions / ValidateDeleteOptions,
        // in their order: fieldManager, dryRun ("All" is the only value), fieldValidation.
        var causes: [FieldCause] = []
        if optionsKind != "DeleteOptions", let manager = request.query["fieldManager"] {
            if manager.utf8.count > 128 {
                causes.append(FieldCause(reason: "FieldValueTooLong", message: "Too long: may not be more than 128 bytes",
                                         field: "fieldManager"))
            }
            var offset = 0
            for scalar in manager.unicodeScalars {
                if !Self.isPrintable(scalar) {
                    let code = String(scalar.value, radix: 16, uppercase: true)
                    causes.append(FieldCause(
                        reason: "FieldValueInvalid",
                        message: "Invalid value: \(goQuoted(manager)): invalid character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code) (at position \(offset))",
                        field: "fieldManager"))
                }
                offset += String(scalar).utf8.count
            }
        }
        if let dryRun = request.query["dryRun"], dryRun != "All" {
            causes.append(FieldCause(reason: "FieldValueNotSupported",
                                     message: "Unsupported value: []string{\(goQuoted(dryRun))}: supported values: \"All\"",
                                     field: "dryRun"))
        }
        if optionsKind != "DeleteOptions", let mode = request.query["fieldValidation"],
           !["", "Ignore", "Warn", "Strict"].contains(mode) {
            causes.append(FieldCause(reason: "FieldValueNotSupported",
                                     message: "Unsupported value: \(goQuoted(mode)): supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"",
                                     field: "fieldValidation"))
        }
        if !causes.isEmpty { throw Self.invalidOptions(optionsKind, causes) }
    }

    /// ValidateListOptions for a list (not a watch).
    private func validateListOptions(_ request: APIRequest) throws(APIError) {
        guard let match = request.query["resourceVersionMatch"], !match.isEmpty else { return }
        var causes: [FieldCause] = []
        let resourceVersion = request.query["resourceVersion"] ?? ""
        if resourceVersion.isEmpty {
            causes.append(FieldCause(reason: "FieldValueForbidden",
                                     message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
                                     field: "resourceVersionMatch"))
        }
        if !(request.query["continue"] ?? "").isEmpty {
            causes.append(FieldCause(reason: "FieldValueForbidden",
                                     message: "Forbidden: resourceVersionMatch is forbidden when continue is provided",
                                     field: "resourceVersionMatch"))
        }
        if match != "Exact" && match != "NotOlderThan" {
            causes.append(FieldCause(reason: "FieldValueNotSupported",
                                     message: "Unsupported value: \(goQuoted(match)): supported values: \"Exact\", \"NotOlderThan\", \"\"",
                                     field: "resourceVersionMatch"))
        }
        if match == "Exact" && resourceVersion == "0" {
            causes.append(FieldCause(reason: "FieldValueForbidden",
                                     message: "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                                     field: "resourceVersionMatch"))
        }
        if !causes.isEmpty { throw Self.invalidOptions("ListOptions", causes) }
    }

    /// `<Kind>.meta.k8s.io "" is invalid: …` (errors.NewInvalid on the options kind).
    static func invalidOptions(_ kind: String, _ causes: [FieldCause]) -> APIError {
        let parts = causes.map { "\($0.field): \($0.message)" }
        let joined = parts.count == 1 ? parts[0] : "[\(parts.joined(separator: ", "))]"
        return APIError(code: 422, reason: .invalid, message: "\(kind).meta.k8s.io \"\" is invalid: \(joined)",
                        name: "", group: "meta.k8s.io", kind: kind, causes: causes)
    }

    /// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }

    /// A string as Go's %q prints it (the cases query values bring: quotes and backslashes).
    private func goQuoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
