/// Kubernetes' label key and value syntax (validation.IsQualifiedName / IsValidLabelValue).
enum LabelSyntax {
    static func isAlphanumeric(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber)
    }

    /// nil if `name` is a valid "name" part: ≤63 chars, alphanumeric at both ends, `-_.` inside.
    static func namePartError(_ name: String) -> String? {
        if name.isEmpty { return "name part must be non-empty" }
        if name.count > 63 { return "name part must be no more than 63 characters" }
        guard let first = name.first, let last = name.last, isAlphanumeric(first), isAlphanumeric(last),
              name.allSatisfy({ isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." })
        else {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        }
        return nil
    }

    /// nil if `key` is a qualified name: `[prefix/]name` with a DNS-1123 subdomain prefix.
    static func qualifiedNameError(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return namePartError(key)
        case 2:
            let prefix = String(parts[0])
            if prefix.isEmpty { return "prefix part must be non-empty" }
            if let e = dns1123SubdomainError(prefix) { return "prefix part " + e }
            return namePartError(String(parts[1]))
        default:
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        }
    }

    /// nil if `value` is a valid label value (may be empty).
    static func valueError(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.count > 63 { return "must be no more than 63 characters" }
        guard let first = value.first, let last = value.last, isAlphanumeric(first), isAlphanumeric(last),
              value.allSatisfy({ isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." })
        else {
            return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        }
        return nil
    }

    static func dns1123SubdomainError(_ s: String) -> String? {
        if s.count > 253 { return "must be no more than 253 characters" }
        let ok = s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let f = label.first, let l = label.last else { return false }
            let lowerAlnum: (Character) -> Bool = { $0.isASCII && ($0.isLowercase || $0.isNumber) }
            return lowerAlnum(f) && lowerAlnum(l) && label.allSatisfy { lowerAlnum($0) || $0 == "-" }
        }
        return ok ? nil : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    }
}
