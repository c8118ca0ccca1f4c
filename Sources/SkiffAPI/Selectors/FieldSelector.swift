/// A field selector (`?fieldSelector=`, `kubectl --field-selector`): comma-separated `field=value`,
/// `field==value` or `field!=value` terms, all of which must hold. Backslash escapes `\,`, `\=`,
/// `\\` inside values, as in `fields.ParseSelector`. Which fields a resource supports is the
/// API server's decision; this type only parses and matches.
public struct FieldSelector: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, Equatable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
    }

    public struct Requirement: Sendable, Equatable {
        public var field: String
        public var op: Operator
        public var value: String

        public init(field: String, op: Operator, value: String) {
            self.field = field
            self.op = op
            self.value = value
        }

        /// A missing field counts as the empty string, like `fields.Set.Get`.
        public func matches(_ fields: [String: String]) -> Bool {
            let actual = fields[field] ?? ""
            return op == .notEquals ? actual != value : actual == value
        }
    }

    public private(set) var requirements: [Requirement]

    public init(requirements: [Requirement] = []) {
        self.requirements = requirements
    }

    /// Parses the selector; the empty string selects everything.
    public init(parsing text: String) throws(SelectorError) {
        var requirements: [Requirement] = []
        for term in Self.splitTerms(text) {
            if term.isEmpty { continue }
            guard let (field, op, value) = Self.splitTerm(term) else {
                throw SelectorError("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            if field.isEmpty {
                throw SelectorError("invalid selector: '\(text)'; field name is empty in '\(term)'")
            }
            requirements.append(Requirement(field: field, op: op, value: Self.unescape(value)))
        }
        self.init(requirements: requirements)
    }

    public var isEverything: Bool { requirements.isEmpty }

    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(fields) }
    }

    /// The value this selector requires for `field` with `=`/`==`, if any (e.g. `metadata.name`
    /// for a single-object list, `spec.nodeName` for the kubelet's pod watch).
    public func requiredValue(for field: String) -> String? {
        requirements.first { $0.field == field && $0.op != .notEquals }?.value
    }

    public var description: String {
        requirements.map { "\($0.field)\($0.op.rawValue)\(Self.escape($0.value))" }.joined(separator: ",")
    }

    private static func splitTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var escaping = false
        for c in text {
            if escaping {
                current.append(c)
                escaping = false
            } else if c == "\\" {
                current.append(c)
                escaping = true
            } else if c == "," {
                terms.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        terms.append(current)
        return terms
    }

    /// Finds the first unescaped operator; `!=` and `==` win over `=`.
    private static func splitTerm(_ term: String) -> (String, Operator, String)? {
        let chars = Array(term)
        var i = 0
        while i < chars.count {
            if chars[i] == "\\" {
                i += 2
                continue
            }
            if chars[i] == "!" && i + 1 < chars.count && chars[i + 1] == "=" {
                return (String(chars[..<i]), .notEquals, String(chars[(i + 2)...]))
            }
            if chars[i] == "=" {
                if i + 1 < chars.count && chars[i + 1] == "=" {
                    return (String(chars[..<i]), .doubleEquals, String(chars[(i + 2)...]))
                }
                return (String(chars[..<i]), .equals, String(chars[(i + 1)...]))
            }
            i += 1
        }
        return nil
    }

    private static func unescape(_ s: String) -> String {
        var out = ""
        var escaping = false
        for c in s {
            if escaping {
                out.append(c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == "\\" || c == "," || c == "=" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
