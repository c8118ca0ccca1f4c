extension LabelSelector {
    /// Parses the `?labelSelector=` / `kubectl -l` syntax: comma-separated requirements of the forms
    /// `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, `k>5`, `k<5`.
    /// The empty string selects everything. Throws `SelectorError` naming the offending token.
    public init(parsing text: String) throws(SelectorError) {
        var lexer = SelectorLexer(text)
        var requirements: [Requirement] = []
        var token = lexer.next()
        if token == .end {
            self.init()
            return
        }
        while true {
            var negated = false
            if token == .not {
                negated = true
                token = lexer.next()
            }
            guard case .identifier(let key) = token else {
                throw SelectorError("unable to parse requirement: found '\(token.text)', expected: identifier")
            }
            token = lexer.next()
            if negated {
                requirements.append(try Requirement(key: key, op: .doesNotExist, values: []))
            } else {
                switch token {
                case .end, .comma:
                    requirements.append(try Requirement(key: key, op: .exists, values: []))
                case .equals, .doubleEquals, .notEquals, .greaterThan, .lessThan:
                    let op: Operator = switch token {
                    case .equals: .equals
                    case .doubleEquals: .doubleEquals
                    case .notEquals: .notEquals
                    case .greaterThan: .greaterThan
                    default: .lessThan
                    }
                    token = lexer.next()
                    var value = ""
                    if case .identifier(let v) = token {
                        value = v
                        token = lexer.next()
                    } else if case .keyword(let v) = token {
                        value = v
                        token = lexer.next()
                    } else if token != .end && token != .comma {
                        throw SelectorError("unable to parse requirement: found '\(token.text)', expected: identifier")
                    }
                    requirements.append(try Requirement(key: key, op: op, values: [value]))
                case .keyword(let word):
                    let op: Operator = word == "in" ? .in : .notIn
                    guard lexer.next() == .openParen else {
                        throw SelectorError("unable to parse requirement: expected '(' after '\(word)'")
                    }
                    var values: [String] = []
                    var expectValue = true
                    loop: while true {
                        let t = lexer.next()
                        switch t {
                        case .identifier(let v), .keyword(let v):
                            guard expectValue else { throw SelectorError("unable to parse requirement: found '\(v)', expected: ',' or ')'") }
                            values.append(v)
                            expectValue = false
                        case .comma:
                            // `(a,,b)` and `(,a)` carry empty values, as in Kubernetes.
                            if expectValue { values.append("") }
                            expectValue = true
                        case .closeParen:
                            if expectValue && !values.isEmpty { values.append("") }
                            break loop
                        default:
                            throw SelectorError("unable to parse requirement: found '\(t.text)', expected: ',', ')' or identifier")
                        }
                    }
                    requirements.append(try Requirement(key: key, op: op, values: values))
                    token = lexer.next()
                default:
                    throw SelectorError("unable to parse requirement: found '\(token.text)', expected: in, notin, =, ==, !=, gt, lt")
                }
            }
            switch token {
            case .end:
                self.init(requirements: requirements)
                return
            case .comma:
                token = lexer.next()
                if token == .end { throw SelectorError("found '', expected: identifier after ','") }
            default:
                throw SelectorError("found '\(token.text)', expected: ',' or 'end of string'")
            }
        }
    }
}

/// Tokens of the label selector syntax (apimachinery's labels lexer).
enum SelectorToken: Equatable {
    case identifier(String)
    case keyword(String)  // in, notin
    case comma, not, equals, doubleEquals, notEquals, greaterThan, lessThan, openParen, closeParen, end

    var text: String {
        switch self {
        case .identifier(let s), .keyword(let s): s
        case .comma: ","
        case .not: "!"
        case .equals: "="
        case .doubleEquals: "=="
        case .notEquals: "!="
        case .greaterThan: ">"
        case .lessThan: "<"
        case .openParen: "("
        case .closeParen: ")"
        case .end: ""
        }
    }
}

struct SelectorLexer {
    private let chars: [Character]
    private var pos = 0

    init(_ text: String) { chars = Array(text) }

    private static func isSpecial(_ c: Character) -> Bool {
        c == "=" || c == "!" || c == "(" || c == ")" || c == "," || c == ">" || c == "<"
    }

    mutating func next() -> SelectorToken {
        while pos < chars.count, chars[pos].isWhitespace { pos += 1 }
        guard pos < chars.count else { return .end }
        let c = chars[pos]
        if Self.isSpecial(c) {
            pos += 1
            let following = pos < chars.count ? chars[pos] : nil
            switch c {
            case "=":
                if following == "=" { pos += 1; return .doubleEquals }
                return .equals
            case "!":
                if following == "=" { pos += 1; return .notEquals }
                return .not
            case "(": return .openParen
            case ")": return .closeParen
            case ",": return .comma
            case ">": return .greaterThan
            default: return .lessThan
            }
        }
        var word = ""
        while pos < chars.count, !chars[pos].isWhitespace, !Self.isSpecial(chars[pos]) {
            word.append(chars[pos])
            pos += 1
        }
        if word == "in" || word == "notin" { return .keyword(word) }
        return .identifier(word)
    }
}
