/// Compact JSON writer behind `JSONValue.serialized()`.
///
/// Contract: output is valid RFC 8259 JSON in UTF-8; strings escape `"`, `\` and control
/// characters (the short forms where JSON has them, `\u00XX` otherwise); non-finite doubles,
/// which JSON cannot express, become `null`; integral doubles below 1e15 print without a
/// fraction, as Go's encoding/json does. Objects of built-in kinds follow their Go struct layout
/// (`GoLayout+Writing`), other objects have their keys sorted.
enum JSONSerializer {
    /// Writes `value`; an object naming a built-in `apiVersion`/`kind` gets its Go layout.
    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        if case .object(let fields) = value, fields.count >= 2, GoLayout.enabled.load(ordering: .relaxed),
           let layout = GoLayout.forObject(fields) {
            writeStruct(fields, layout, into: &out)
        } else {
            writePlain(value, into: &out)
        }
    }

    /// Writes `value` as Go writes a map: keys sorted at every level, no layout lookups (inside a
    /// custom resource, an `{apiVersion, kind, name}` reference is not an object of that kind).
    static func writePlain(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: appendLiteral("null", to: &out)
        case .bool(let b): appendLiteral(b ? "true" : "false", to: &out)
        case .int(let i): writeInteger(i, into: &out)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writePlain(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            writeMap(fields, nil, into: &out)
        }
    }

    static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        // Work on the negative magnitude so Int64.min needs no special case.
        var n = value > 0 ? -value : value
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 19 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            while n != 0 {
                let (q, r) = n.quotientAndRemainder(dividingBy: 10)
                scratch[count] = UInt8(ascii: "0") &+ UInt8(-r)
                count += 1
                n = q
            }
            while count > 0 {
                count -= 1
                out.append(scratch[count])
            }
        }
    }

    private static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        guard value.isFinite else {
            appendLiteral("null", to: &out)
            return
        }
        if value.rounded(.towardZero) == value && abs(value) < 1e15 {
            writeInteger(Int64(value), into: &out)
            return
        }
        // Swift prints the shortest representation that round-trips ("0.1", "1e-07", "1e+20"),
        // all of which are valid JSON numbers.
        out.append(contentsOf: value.description.utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let byte = utf8[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                runStart = i + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                }
            }
            if runStart < utf8.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
