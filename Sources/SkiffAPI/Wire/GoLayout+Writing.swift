/// Writing an object the way Go's encoding/json writes the struct `GoLayout` describes.
extension JSONSerializer {
    /// An object of a known layout: its fields in struct order (with the zero values Go writes
    /// for unset ones, without the ones it omits), then keys the layout does not know, sorted.
    static func writeStruct(_ fields: [String: JSONValue], _ layout: GoLayout, into out: inout [UInt8]) {
        var entries: [(index: Int, value: JSONValue)] = []
        entries.reserveCapacity(fields.count + layout.alwaysPresent.count)
        var unknown: [(key: String, value: JSONValue)] = []
        for (key, value) in fields {
            if let i = layout.index[key] {
                if !layout.fields[i].omits(value) { entries.append((i, value)) }
            } else {
                unknown.append((key, value))
            }
        }
        // Unset fields Go still writes; `null` stands for "unset" (Go decodes null to the zero value).
        for i in layout.alwaysPresent where fields[layout.fields[i].name] == nil { entries.append((i, .null)) }
        if entries.count > 1 { entries.sort { $0.index < $1.index } }
        out.append(UInt8(ascii: "{"))
        var first = true
        for entry in entries {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            let field = layout.fields[entry.index]
            out.append(contentsOf: field.key)
            writeField(entry.value, field, into: &out)
        }
        if unknown.count > 1 { unknown.sort { $0.key < $1.key } }
        for entry in unknown {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(entry.key, into: &out)
            out.append(UInt8(ascii: ":"))
            writePlain(entry.value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static func writeField(_ value: JSONValue, _ field: GoLayout.Field, into out: inout [UInt8]) {
        let child = field.child >= 0 ? GoLayout.all[field.child] : nil
        switch field.container {
        case .none:
            if case .null = value {
                writeZero(field, child, into: &out)
            } else if let child, case .object(let o) = value {
                writeStruct(o, child, into: &out)
            } else {
                writeElement(value, field, into: &out)
            }
        case .pointer:
            if let child, case .object(let o) = value {
                writeStruct(o, child, into: &out)
            } else if let child, case .array(let items) = value {
                // A JSON Schema union (JSONSchemaPropsOrArray): an array of schemas.
                out.append(UInt8(ascii: "["))
                for (n, item) in items.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    if case .object(let o) = item { writeStruct(o, child, into: &out) } else { writePlain(item, into: &out) }
                }
                out.append(UInt8(ascii: "]"))
            } else {
                writeElement(value, field, into: &out)
            }
        case .slice:
            guard case .array(let items) = value else {
                writePlain(value, into: &out)
                return
            }
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if let child, case .object(let o) = item { writeStruct(o, child, into: &out) } else { writeElement(item, field, into: &out) }
            }
            out.append(UInt8(ascii: "]"))
        case .map:
            guard case .object(let entries) = value else {
                writePlain(value, into: &out)
                return
            }
            writeMap(entries, child, into: &out)
        }
    }

    /// A value without a layout of its own: embedded objects (RawExtension: a Table row's object,
    /// a ControllerRevision's data) are objects in their own right, anything else is plain.
    private static func writeElement(_ value: JSONValue, _ field: GoLayout.Field, into out: inout [UInt8]) {
        if field.encoding == .nullStruct { write(value, into: &out) } else { writePlain(value, into: &out) }
    }

    /// Go's zero value of an unset field.
    private static func writeZero(_ field: GoLayout.Field, _ child: GoLayout?, into out: inout [UInt8]) {
        switch field.encoding {
        case .string: appendLiteral("\"\"", to: &out)
        case .bool: appendLiteral("false", to: &out)
        case .number, .intOrString: out.append(UInt8(ascii: "0"))
        case .quantity: appendLiteral("\"0\"", to: &out)
        case .duration: appendLiteral("\"0s\"", to: &out)
        case .bytes, .nullStruct: appendLiteral("null", to: &out)
        case .structure:
            if let child { writeStruct([:], child, into: &out) } else { appendLiteral("{}", to: &out) }
        }
    }

    /// A Go map: keys sorted, values of the element type.
    static func writeMap(_ entries: [String: JSONValue], _ child: GoLayout?, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for key in entries.keys.sorted() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            let value = entries[key] ?? .null
            if let child, case .object(let o) = value { writeStruct(o, child, into: &out) } else { writePlain(value, into: &out) }
        }
        out.append(UInt8(ascii: "}"))
    }
}
