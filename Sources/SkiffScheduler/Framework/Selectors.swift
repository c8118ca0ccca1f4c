import SkiffAPI
import SkiffClient

extension LabelSelector {
    /// Adds `key in (value)` (or `notin`) requirements; used for matchLabelKeys / mismatchLabelKeys.
    package func adding(key: String, value: String, negated: Bool) -> LabelSelector {
        guard !matchesNothing, let r = try? Requirement(key: key, op: negated ? .notIn : .in, values: [value]) else { return self }
        return LabelSelector(requirements: requirements + [r])
    }
}

/// A compiled `v1.NodeSelector` (terms ORed, requirements in a term ANDed), as
/// `nodeaffinity.NodeSelector` matches it against a node's labels and `metadata.name` field.
package struct CompiledNodeSelector: Sendable {
    package struct Term: Sendable {
        var expressions: [Requirement]
        var fields: [Requirement]
    }

    package struct Requirement: Sendable {
        enum Op: Sendable { case `in`, notIn, exists, doesNotExist, gt, lt }
        var key: String
        var op: Op
        var values: [String]
        var number: Int64

        func matches(_ labels: [String: String]) -> Bool {
            let v = labels[key]
            switch op {
            case .in: return v.map { values.contains($0) } ?? false
            case .notIn: return v.map { !values.contains($0) } ?? true
            case .exists: return v != nil
            case .doesNotExist: return v == nil
            case .gt, .lt:
                guard let v, let n = Int64(v) else { return false }
                return op == .gt ? n > number : n < number
            }
        }

        func matchesName(_ name: String) -> Bool {
            switch op {
            case .in: return values.contains(name)
            case .notIn: return !values.contains(name)
            default: return false
            }
        }
    }

    package var terms: [Term]

    /// Nil for a selector that cannot be compiled (the API server validates, so this is defensive):
    /// such terms match nothing, as upstream's lazy-error selector does.
    package init(_ selector: CoreV1.NodeSelector) {
        terms = (selector.nodeSelectorTerms ?? []).compactMap(Self.compile)
    }

    package init(preferred term: CoreV1.NodeSelectorTerm) {
        terms = Self.compile(term).map { [$0] } ?? []
    }

    private static func compile(_ term: CoreV1.NodeSelectorTerm) -> Term? {
        let exprs = term.matchExpressions ?? []
        let fields = term.matchFields ?? []
        // An empty term matches no objects.
        if exprs.isEmpty && fields.isEmpty { return nil }
        var t = Term(expressions: [], fields: [])
        for e in exprs {
            guard let r = requirement(e) else { return nil }
            t.expressions.append(r)
        }
        for f in fields {
            guard f.key == "metadata.name", let r = requirement(f), r.op == .in || r.op == .notIn, r.values.count == 1 else { return nil }
            t.fields.append(r)
        }
        return t
    }

    private static func requirement(_ e: CoreV1.NodeSelectorRequirement) -> Requirement? {
        let values = e.values ?? []
        let op: Requirement.Op
        switch e.operator {
        case "In": op = .in
        case "NotIn": op = .notIn
        case "Exists": op = .exists
        case "DoesNotExist": op = .doesNotExist
        case "Gt": op = .gt
        case "Lt": op = .lt
        default: return nil
        }
        var number: Int64 = 0
        if op == .gt || op == .lt {
            guard values.count == 1, let n = Int64(values[0]) else { return nil }
            number = n
        }
        return Requirement(key: e.key ?? "", op: op, values: values, number: number)
    }

    package func matches(name: String, labels: [String: String]) -> Bool {
        for t in terms {
            if t.expressions.allSatisfy({ $0.matches(labels) }) && t.fields.allSatisfy({ $0.matchesName(name) }) {
                return true
            }
        }
        return false
    }

    /// Node names this selector restricts to, when every term pins `metadata.name In (x)`
    /// (DaemonSet pods): lets NodeAffinity's PreFilter narrow the nodes to look at.
    package var pinnedNodeNames: Set<String>? {
        var names: Set<String> = []
        for t in terms {
            guard let f = t.fields.first(where: { $0.op == .in }) else { return nil }
            names.formUnion(f.values)
        }
        return terms.isEmpty ? nil : names
    }
}

/// Taint and toleration matching (`v1helper.TolerationsTolerateTaint`, `FindMatchingUntoleratedTaint`).
package enum Taints {
    package static let noSchedule = "NoSchedule"
    package static let noExecute = "NoExecute"
    package static let preferNoSchedule = "PreferNoSchedule"
    package static let unschedulableKey = "node.kubernetes.io/unschedulable"

    package static func tolerates(_ t: CoreV1.Toleration, _ taint: CoreV1.Taint) -> Bool {
        if let effect = t.effect, !effect.isEmpty, effect != taint.effect { return false }
        if let key = t.key, !key.isEmpty, key != (taint.key ?? "") { return false }
        switch t.operator ?? "" {
        case "", "Equal": return (t.value ?? "") == (taint.value ?? "")
        case "Exists": return true
        default: return false
        }
    }

    package static func tolerated(_ taint: CoreV1.Taint, by tolerations: [CoreV1.Toleration]) -> Bool {
        for t in tolerations where tolerates(t, taint) { return true }
        return false
    }

    /// The first NoSchedule/NoExecute taint the tolerations do not cover.
    package static func firstUntolerated(_ taints: [CoreV1.Taint], _ tolerations: [CoreV1.Toleration]) -> CoreV1.Taint? {
        for taint in taints where taint.effect == noSchedule || taint.effect == noExecute {
            if !tolerated(taint, by: tolerations) { return taint }
        }
        return nil
    }
}
