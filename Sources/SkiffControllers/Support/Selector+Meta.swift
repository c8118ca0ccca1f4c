import SkiffAPI

/// A selector from a `metav1.LabelSelector` could not be built.
struct InvalidSelector: Error, CustomStringConvertible {
    var description: String
}

extension LabelSelector {
    /// `metav1.LabelSelectorAsSelector`: nil matches nothing, empty matches everything.
    init(meta: MetaV1.LabelSelector?) throws(InvalidSelector) {
        guard let meta else {
            self = LabelSelector.nothing
            return
        }
        var requirements: [Requirement] = []
        do {
            for (k, v) in (meta.matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
                requirements.append(try Requirement(key: k, op: .equals, values: [v]))
            }
            for e in meta.matchExpressions ?? [] {
                let op: Operator
                switch e.operator {
                case "In": op = .in
                case "NotIn": op = .notIn
                case "Exists": op = .exists
                case "DoesNotExist": op = .doesNotExist
                default: throw InvalidSelector(description: "\"\(e.operator ?? "")\" is not a valid label selector operator")
                }
                requirements.append(try Requirement(key: e.key ?? "", op: op, values: e.values ?? []))
            }
        } catch let e as InvalidSelector {
            throw e
        } catch {
            throw InvalidSelector(description: "\(error)")
        }
        self = LabelSelector(requirements: requirements)
    }
}
