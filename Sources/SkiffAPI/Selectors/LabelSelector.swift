/// A label selector: a conjunction of requirements, as `?labelSelector=` and `metav1.LabelSelector` express it.
/// The empty selector matches everything; the selector of a `null` LabelSelector matches nothing.
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, Equatable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    public struct Requirement: Sendable, Equatable {
        public var key: String
        public var op: Operator
        /// Sorted, without duplicates.
        public var values: [String]

        /// Validates like `labels.NewRequirement`.
        public init(key: String, op: Operator, values: [String]) throws(SelectorError) {
            if let problem = LabelSyntax.qualifiedNameError(key) {
                throw SelectorError("invalid label key \"\(key)\": \(problem)")
            }
            switch op {
            case .in, .notIn:
                if values.isEmpty { throw SelectorError("for 'in', 'notin' operators, values set can't be empty") }
            case .equals, .doubleEquals, .notEquals:
                if values.count != 1 { throw SelectorError("exact-match compatibility requires one single value") }
            case .exists, .doesNotExist:
                if !values.isEmpty { throw SelectorError("values set must be empty for exists and does not exist") }
            case .greaterThan, .lessThan:
                guard values.count == 1 else { throw SelectorError("for 'Gt', 'Lt' operators, exactly one value is required") }
                if Int64(values[0]) == nil {
                    throw SelectorError("for 'Gt', 'Lt' operators, the value must be an integer")
                }
            }
            for v in values where op != .greaterThan && op != .lessThan {
                if let problem = LabelSyntax.valueError(v) {
                    throw SelectorError("invalid label value: \"\(v)\": \(problem)")
                }
            }
            self.key = key
            self.op = op
            self.values = Array(Set(values)).sorted()
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .in, .equals, .doubleEquals:
                guard let value else { return false }
                return values.contains(value)
            case .notIn, .notEquals:
                guard let value else { return true }
                return !values.contains(value)
            case .exists:
                return value != nil
            case .doesNotExist:
                return value == nil
            case .greaterThan, .lessThan:
                guard let value, let have = Int64(value), let want = Int64(values[0]) else { return false }
                return op == .greaterThan ? have > want : have < want
            }
        }

        var rendered: String {
            switch op {
            case .exists: return key
            case .doesNotExist: return "!" + key
            case .equals, .doubleEquals, .notEquals: return key + op.rawValue + values[0]
            case .in, .notIn: return "\(key) \(op.rawValue) (\(values.joined(separator: ",")))"
            case .greaterThan: return key + ">" + values[0]
            case .lessThan: return key + "<" + values[0]
            }
        }
    }

    /// Requirements, sorted by key (all must hold).
    public private(set) var requirements: [Requirement]
    /// True for the selector of a `null` metav1.LabelSelector: it matches no object.
    public private(set) var matchesNothing: Bool

    public init(requirements: [Requirement] = []) {
        self.requirements = requirements.sorted { $0.key < $1.key }
        self.matchesNothing = false
    }

    /// The selector that matches no object.
    public static let nothing: LabelSelector = {
        var s = LabelSelector()
        s.matchesNothing = true
        return s
    }()

    /// Matches every object.
    public var isEverything: Bool { !matchesNothing && requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        if matchesNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    /// The canonical string form (`a=b,c in (x,y),!d`), as `labels.Selector.String()` prints it.
    public var description: String {
        requirements.map(\.rendered).joined(separator: ",")
    }
}

/// A malformed label or field selector; `message` says what and where.
public struct SelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
