/// Parses the catalog's line format (documented in scripts/generate-api-types.py).
enum SchemaCatalogParser {
    static func parse(_ text: String) -> [SchemaDefinition] {
        var result: [SchemaDefinition] = []
        var current: Builder?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = Substring(rawLine)
            guard let tag = line.first else { continue }
            if tag == "@" {
                if let c = current { result.append(c.build()) }
                current = Builder(name: String(line.dropFirst()))
                continue
            }
            guard current != nil, line.count >= 2 else { continue }
            let body = line.dropFirst(2)
            switch tag {
            case "k": current?.kind = DefinitionKind(rawValue: String(body)) ?? .any
            case "d": current?.description = unescape(body)
            case "g":
                let f = body.split(separator: "\t", omittingEmptySubsequences: false)
                if f.count == 3 {
                    current?.gvks.append(GroupVersionKind(group: String(f[0]), version: String(f[1]), kind: String(f[2])))
                }
            case "r": current?.required = body.split(separator: "\t").map(String.init)
            case "x":
                if body.hasPrefix("mt=") { current?.mapType = String(body.dropFirst(3)) }
            case "p":
                if let p = property(body) { current?.properties.append(p) }
            default: continue
            }
        }
        if let c = current { result.append(c.build()) }
        return result
    }

    private struct Builder {
        var name: String
        var kind: DefinitionKind = .object
        var description = ""
        var gvks: [GroupVersionKind] = []
        var required: [String] = []
        var mapType: String?
        var properties: [SchemaProperty] = []

        func build() -> SchemaDefinition {
            SchemaDefinition(name: name, kind: kind, description: description, groupVersionKinds: gvks,
                             required: required, mapType: mapType, properties: properties)
        }
    }

    private static func property(_ body: Substring) -> SchemaProperty? {
        let f = body.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
        guard f.count == 4, let type = schemaType(f[1]) else { return nil }
        var p = SchemaProperty(name: String(f[0]), type: type, description: unescape(f[3]))
        for ext in f[2].split(separator: ";") {
            let value = ext.dropFirst(3)
            switch ext.prefix(3) {
            case "ps=": p.patchStrategies = value.split(separator: "+").map(String.init)
            case "mk=": p.patchMergeKey = String(value)
            case "lt=": p.listType = String(value)
            case "lk=": p.listMapKeys = value.split(separator: "+").map(String.init)
            case "mt=": p.mapType = String(value)
            case "en=": p.enumValues = value.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
            default: continue
            }
        }
        return p
    }

    static func schemaType(_ s: Substring) -> SchemaType? {
        guard let first = s.first else { return nil }
        switch first {
        case "#": return .reference(String(s.dropFirst()))
        case "[": return schemaType(s.dropFirst()).map { .array($0) }
        case "{": return schemaType(s.dropFirst()).map { .map($0) }
        default: break
        }
        let parts = s.split(separator: ":", maxSplits: 1)
        let format = parts.count > 1 ? String(parts[1]) : nil
        switch parts[0] {
        case "string": return .string(format: format)
        case "integer": return .integer(format: format ?? "int64")
        case "number": return .number(format: format)
        case "boolean": return .boolean
        case "object": return .object
        case "any": return .any
        default: return nil
        }
    }

    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out = ""
        out.reserveCapacity(s.count)
        var escaping = false
        for c in s {
            if escaping {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                default: out.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
