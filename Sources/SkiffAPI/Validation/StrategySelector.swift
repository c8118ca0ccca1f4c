/// Label-selector operations on the JSON form of a `metav1.LabelSelector`, as validation and
/// the printers need them (matching template labels, `String()` of the converted selector).
enum StrategySelector {
    /// `LabelSelectorAsSelector(selector).Matches(labels)`: a nil selector matches nothing,
    /// an empty one everything.
    static func matches(_ selector: JSONValue?, labels: JSONObject) -> Bool {
        guard let selector = selector?.objectValue else { return false }
        for (key, value) in selector.objectField("matchLabels") ?? [:] where labels[key] != value {
            return false
        }
        for item in selector.arrayField("matchExpressions") ?? [] {
            let expression = item.objectValue ?? [:]
            let key = expression.stringField("key") ?? ""
            let values = Set((expression.arrayField("values") ?? []).compactMap(\.stringValue))
            let present = labels[key]?.stringValue
            switch expression.stringField("operator") {
            case "In": if present.map({ !values.contains($0) }) ?? true { return false }
            case "NotIn": if let present, values.contains(present) { return false }
            case "Exists": if present == nil { return false }
            case "DoesNotExist": if present != nil { return false }
            default: return false
            }
        }
        return true
    }

    /// True for a selector with neither matchLabels nor matchExpressions.
    static func isEmpty(_ selector: JSONObject) -> Bool {
        (selector.objectField("matchLabels")?.isEmpty ?? true) && (selector.arrayField("matchExpressions")?.isEmpty ?? true)
    }

    /// `labels.Selector.String()`: requirements sorted by key, `k=v`, `k in (a,b)`, `k notin (a)`,
    /// `k`, `!k`, joined by commas; "" for nil or empty.
    static func text(_ selector: JSONValue?) -> String {
        guard let selector = selector?.objectValue else { return "" }
        var requirements: [(key: String, text: String)] = []
        for (key, value) in selector.objectField("matchLabels") ?? [:] {
            requirements.append((key, "\(key)=\(value.stringValue ?? "")"))
        }
        for item in selector.arrayField("matchExpressions") ?? [] {
            let expression = item.objectValue ?? [:]
            let key = expression.stringField("key") ?? ""
            let values = (expression.arrayField("values") ?? []).compactMap(\.stringValue).sorted().joined(separator: ",")
            switch expression.stringField("operator") {
            case "In": requirements.append((key, "\(key) in (\(values))"))
            case "NotIn": requirements.append((key, "\(key) notin (\(values))"))
            case "Exists": requirements.append((key, key))
            case "DoesNotExist": requirements.append((key, "!\(key)"))
            default: break
            }
        }
        return requirements.sorted { $0.key < $1.key }.map(\.text).joined(separator: ",")
    }

    /// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
    static func formatLabels(_ labels: JSONObject?) -> String {
        guard let labels, !labels.isEmpty else { return "<none>" }
        return labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    /// `metav1.FormatLabelSelector`: the selector text, `<none>` when nil or empty.
    static func formatSelector(_ selector: JSONValue?) -> String {
        let text = text(selector)
        return text.isEmpty ? "<none>" : text
    }

    /// `ValidateLabelSelector`.
    static func validate(_ selector: JSONObject, path: String, into errors: inout FieldErrors) {
        for (i, item) in (selector.arrayField("matchExpressions") ?? []).enumerated() {
            let expression = item.objectValue ?? [:]
            let expressionPath = path.fieldChild("matchExpressions").fieldIndex(i)
            let values = expression.arrayField("values") ?? []
            let op = expression.stringField("operator") ?? ""
            switch op {
            case "In", "NotIn":
                if values.isEmpty {
                    errors.required(expressionPath.fieldChild("values"), "must be specified when `operator` is 'In' or 'NotIn'")
                }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    errors.forbidden(expressionPath.fieldChild("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
                }
            default:
                errors.invalid(expressionPath.fieldChild("operator"), .string(op), "not a valid selector operator")
            }
            let key = expression.stringField("key") ?? ""
            for message in NameRules.qualifiedName(key) { errors.invalid(expressionPath.fieldChild("key"), .string(key), message) }
        }
        Validation.validateLabels(selector.objectField("matchLabels"), path: path.fieldChild("matchLabels"), into: &errors)
    }
}
