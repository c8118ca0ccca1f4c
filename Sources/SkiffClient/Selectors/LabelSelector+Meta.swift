import SkiffAPI

/// A `metav1.LabelSelector` that cannot be turned into a selector (an unknown operator, a bad key
/// or value). The API server's validation rejects these, so objects from it never carry one.
public struct InvalidSelector: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The one conversion from the API's `metav1.LabelSelector` to SkiffAPI's `LabelSelector`, for
/// every component (controllers, the scheduler) and for operators written on SkiffClient.
extension LabelSelector {
    /// `metav1.LabelSelectorAsSelector`: nil matches nothing, `{}` matches everything; matchLabels
    /// (in key order) and matchExpressions are ANDed.
    public init(meta: MetaV1.LabelSelector?) throws(InvalidSelector) {
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

    /// As `init(meta:)`, but a selector that cannot be built matches nothing instead of throwing
    /// (where there is no one to report the error to, e.g. a scheduling decision).
    public init(_ meta: MetaV1.LabelSelector?) {
        self = (try? LabelSelector(meta: meta)) ?? LabelSelector.nothing
    }

    /// Whether the selector built from `meta` matches `labels`; false for an invalid selector.
    public static func matches(_ meta: MetaV1.LabelSelector?, _ labels: [String: String]) -> Bool {
        LabelSelector(meta).matches(labels)
    }
}
