extension LabelSelector {
    /// Converts a `metav1.LabelSelector` (`matchLabels`, `matchExpressions` with In/NotIn/Exists/DoesNotExist),
    /// like `metav1.LabelSelectorAsSelector`: `null` selects nothing, `{}` selects everything.
    public init(json: JSONValue) throws(SelectorError) {
        if case .null = json {
            self = .nothing
            return
        }
        guard case .object(let fields) = json else { throw SelectorError("a label selector must be an object") }
        var requirements: [Requirement] = []
        if let labels = fields["matchLabels"], !labels.isNull {
            guard case .object(let pairs) = labels else { throw SelectorError("matchLabels must be an object") }
            for (k, v) in pairs {
                guard case .string(let value) = v else { throw SelectorError("matchLabels[\(k)] must be a string") }
                requirements.append(try Requirement(key: k, op: .equals, values: [value]))
            }
        }
        if let expressions = fields["matchExpressions"], !expressions.isNull {
            guard case .array(let items) = expressions else { throw SelectorError("matchExpressions must be a list") }
            for item in items {
                guard let key = item["key"]?.stringValue, let op = item["operator"]?.stringValue else {
                    throw SelectorError("a matchExpressions entry needs key and operator")
                }
                var values: [String] = []
                if let vs = item["values"], !vs.isNull {
                    guard case .array(let list) = vs else { throw SelectorError("values must be a list of strings") }
                    for v in list {
                        guard case .string(let s) = v else { throw SelectorError("values must be a list of strings") }
                        values.append(s)
                    }
                }
                let mapped: Operator
                switch op {
                case "In": mapped = .in
                case "NotIn": mapped = .notIn
                case "Exists": mapped = .exists
                case "DoesNotExist": mapped = .doesNotExist
                default: throw SelectorError("\"\(op)\" is not a valid label selector operator")
                }
                requirements.append(try Requirement(key: key, op: mapped, values: values))
            }
        }
        self.init(requirements: requirements)
    }
}
