import Foundation
import SkiffAPI

/// Request bodies in the Kubernetes protobuf encoding (`k8s\0` + runtime.Unknown{typeMeta, raw}),
/// which kubectl's typed clients send (`kubectl create deployment|configmap|…`, `auth whoami`,
/// `auth can-i`, `create token`). Decoded to the object's JSON form with the generated wire
/// layout (`ProtoWireSchema`); zero values are dropped, as the JSON form omits them.
enum ProtobufEnvelope {
    struct DecodeError: Error {
        var message: String
        /// The body is well-formed but names a kind we have no wire layout for (415, not 400).
        var unsupported = false
    }

    /// Nesting limit for embedded messages: SwiftProtobuf's default `messageDepthLimit` (100).
    /// The deepest built-in kind nests about 20 levels; decoding recurses once per level, so a
    /// body of nested length prefixes cannot exhaust the stack.
    static let maximumDepth = 100

    static func decode(_ bytes: [UInt8]) throws(DecodeError) -> JSONValue {
        guard bytes.count >= 4, Array(bytes[0..<4]) == [0x6b, 0x38, 0x73, 0x00] else {
            throw DecodeError(message: "protobuf body without the k8s envelope")
        }
        var reader = ProtoReader(bytes: bytes[4...])
        var typeMeta: [UInt8] = []
        var raw: [UInt8] = []
        while let (field, value) = try reader.next() {
            if field == 1, case .bytes(let b) = value { typeMeta = b }
            if field == 2, case .bytes(let b) = value { raw = b }
        }
        var apiVersion = ""
        var kind = ""
        var meta = ProtoReader(bytes: typeMeta[...])
        while let (field, value) = try meta.next() {
            if case .bytes(let b) = value {
                if field == 1 { apiVersion = String(decoding: b, as: UTF8.self) }
                if field == 2 { kind = String(decoding: b, as: UTF8.self) }
            }
        }
        guard let message = messageName(apiVersion: apiVersion, kind: kind), ProtoWireSchema.fields[message] != nil else {
            throw DecodeError(message: "protobuf is not supported for \(apiVersion), Kind=\(kind); use application/json",
                              unsupported: true)
        }
        guard case .object(var object) = try decodeMessage(message, raw[...], depth: 1) else {
            throw DecodeError(message: "undecodable protobuf body")
        }
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        if object["metadata"] == nil { object["metadata"] = .object([:]) }
        return .object(object)
    }

    private static let packages: [String: String] = [
        "": "core", "apps": "apps", "batch": "batch", "autoscaling": "autoscaling", "policy": "policy",
        "rbac.authorization.k8s.io": "rbac", "networking.k8s.io": "networking", "storage.k8s.io": "storage",
        "coordination.k8s.io": "coordination", "discovery.k8s.io": "discovery", "events.k8s.io": "events",
        "scheduling.k8s.io": "scheduling", "node.k8s.io": "node", "admissionregistration.k8s.io": "admissionregistration",
        "certificates.k8s.io": "certificates", "authentication.k8s.io": "authentication",
        "authorization.k8s.io": "authorization",
    ]

    static func messageName(apiVersion: String, kind: String) -> String? {
        if kind == "DeleteOptions" { return "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions" }
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts.first ?? "")
        guard let package = packages[group] else { return nil }
        return "k8s.io.api.\(package).\(version).\(kind)"
    }

    // MARK: messages

    private static let meta = "k8s.io.apimachinery.pkg.apis.meta.v1."

    static func decodeMessage(_ name: String, _ bytes: ArraySlice<UInt8>, depth: Int) throws(DecodeError) -> JSONValue {
        guard depth <= maximumDepth else {
            throw DecodeError(message: "protobuf messages nested deeper than \(maximumDepth) levels")
        }
        switch name {
        case meta + "Time", meta + "MicroTime":
            var seconds: Int64 = 0
            var r = ProtoReader(bytes: bytes)
            while let (field, value) = try r.next() { if field == 1, case .varint(let v) = value { seconds = Int64(bitPattern: v) } }
            return seconds == 0 ? .null : .string(Timestamp.format(Date(timeIntervalSince1970: Double(seconds))))
        case meta + "Duration":
            var nanos: Int64 = 0
            var r = ProtoReader(bytes: bytes)
            while let (field, value) = try r.next() { if field == 1, case .varint(let v) = value { nanos = Int64(bitPattern: v) } }
            return .string("\(Double(nanos) / 1e9)s")
        case "k8s.io.apimachinery.pkg.api.resource.Quantity":
            var r = ProtoReader(bytes: bytes)
            while let (field, value) = try r.next() {
                if field == 1, case .bytes(let b) = value { return .string(String(decoding: b, as: UTF8.self)) }
            }
            return .null
        case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
            var type: UInt64 = 0
            var int: Int64 = 0
            var string = ""
            var r = ProtoReader(bytes: bytes)
            while let (field, value) = try r.next() {
                switch (field, value) {
                case (1, .varint(let v)): type = v
                case (2, .varint(let v)): int = Int64(Int32(truncatingIfNeeded: v))
                case (3, .bytes(let b)): string = String(decoding: b, as: UTF8.self)
                default: break
                }
            }
            return type == 1 ? .string(string) : .int(int)
        case "k8s.io.apimachinery.pkg.runtime.RawExtension", meta + "FieldsV1":
            var r = ProtoReader(bytes: bytes)
            while let (field, value) = try r.next() {
                if field == 1, case .bytes(let b) = value { return (try? JSONValue.parse(b)) ?? .null }
            }
            return .null
        default:
            break
        }
        guard let fields = ProtoWireSchema.fields[name] else { throw DecodeError(message: "unknown protobuf message \(name)") }
        // Named list types (`ExtraValue { repeated string items = 1 }`) are plain arrays in JSON.
        let isListType = fields.count == 1 && fields[1]?.name == "items" && fields[1]?.label == .repeated
        var object: [String: JSONValue] = [:]
        var lists: [String: [JSONValue]] = [:]
        var maps: [String: [String: JSONValue]] = [:]
        var reader = ProtoReader(bytes: bytes)
        while let (number, value) = try reader.next() {
            guard let field = fields[number] else { continue }
            switch field.label {
            case .map:
                guard case .bytes(let entry) = value else { continue }
                var key = ""
                var item: JSONValue = .null
                var r = ProtoReader(bytes: entry[...])
                while let (n, v) = try r.next() {
                    if n == 1 { key = scalarString(v) }
                    if n == 2 { item = try decodeValue(field.valueType, v, depth: depth) }
                }
                maps[field.name, default: [:]][key] = item
            case .repeated:
                if case .bytes(let packed) = value, isPackable(field.type) {
                    var r = ProtoReader(bytes: packed[...])
                    while let v = try r.nextVarint() { lists[field.name, default: []].append(try decodeValue(field.type, .varint(v), depth: depth)) }
                } else {
                    lists[field.name, default: []].append(try decodeValue(field.type, value, depth: depth))
                }
            case .optional:
                object[field.name] = try decodeValue(field.type, value, depth: depth)
            }
        }
        if isListType { return .array(lists["items"] ?? []) }
        for (k, v) in lists where !v.isEmpty { object[k] = .array(v) }
        for (k, v) in maps where !v.isEmpty { object[k] = .object(v) }
        // Go's generated marshaller writes non-pointer fields even when zero (dropped here, as a
        // JSON body would omit them) but a pointer field only when set: a zero it sent is an
        // explicit value (`replicas: 0`) that defaulting must not replace.
        let pointers = pointerFields[name] ?? []
        return .object(object.filter { pointers.contains($0.key) || !isZero($0.value) })
    }

    /// JSON names of the Go pointer fields of each message, from the generated Go layout
    /// (definition `io.k8s.api.apps.v1.DeploymentSpec` is message `k8s.io.api.apps.v1.DeploymentSpec`).
    private static let pointerFields: [String: Set<String>] = {
        var result: [String: Set<String>] = [:]
        for layout in GoLayout.all where layout.name.hasPrefix("io.k8s.") {
            let names = Set(layout.fields.filter { $0.container == .pointer }.map(\.name))
            if !names.isEmpty { result["k8s.io." + layout.name.dropFirst("io.k8s.".count)] = names }
        }
        return result
    }()

    private static func isPackable(_ type: String) -> Bool {
        ["int32", "int64", "uint32", "uint64", "bool"].contains(type)
    }

    private static func isZero(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return true
        case .string(let s): return s.isEmpty
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .bool(let b): return !b
        default: return false
        }
    }

    private static func scalarString(_ v: ProtoReader.Value) -> String {
        switch v {
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .varint(let n): return String(n)
        case .fixed64(let n): return String(n)
        case .fixed32(let n): return String(n)
        }
    }

    private static func decodeValue(_ type: String, _ v: ProtoReader.Value, depth: Int) throws(DecodeError) -> JSONValue {
        switch (type, v) {
        case ("string", .bytes(let b)): return .string(String(decoding: b, as: UTF8.self))
        case ("bytes", .bytes(let b)): return .string(Data(b).base64EncodedString())
        case ("bool", .varint(let n)): return .bool(n != 0)
        case ("int32", .varint(let n)): return .int(Int64(Int32(truncatingIfNeeded: n)))
        case ("int64", .varint(let n)), ("uint64", .varint(let n)), ("uint32", .varint(let n)): return .int(Int64(bitPattern: n))
        case ("double", .fixed64(let n)): return .double(Double(bitPattern: n))
        case ("float", .fixed32(let n)): return .double(Double(Float(bitPattern: n)))
        case (_, .bytes(let b)): return try decodeMessage(type, b[...], depth: depth + 1)
        default: throw DecodeError(message: "protobuf field of type \(type) has the wrong wire type")
        }
    }
}

/// A minimal protobuf wire reader.
struct ProtoReader {
    enum Value { case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8]) }

    var bytes: ArraySlice<UInt8>
    private var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    /// A varint is at most 10 bytes, and the 10th carries only the top bit of 64; anything
    /// longer or wider is malformed (as in the Go and SwiftProtobuf decoders).
    mutating func nextVarint() throws(ProtobufEnvelope.DecodeError) -> UInt64? {
        guard index < bytes.endIndex else { return nil }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex {
            let b = bytes[index]
            index += 1
            if shift == 63 && b > 1 { throw ProtobufEnvelope.DecodeError(message: "protobuf varint overflows 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ProtobufEnvelope.DecodeError(message: "protobuf varint longer than 10 bytes") }
        }
        throw ProtobufEnvelope.DecodeError(message: "truncated protobuf varint")
    }

    mutating func next() throws(ProtobufEnvelope.DecodeError) -> (Int, Value)? {
        guard let tag = try nextVarint() else { return nil }
        let field = Int(tag >> 3)
        // `n` comes from the wire: compare it with what is left, never compute `index + n` first.
        func take(_ n: Int) throws(ProtobufEnvelope.DecodeError) -> ArraySlice<UInt8> {
            guard n >= 0, n <= bytes.endIndex - index else { throw ProtobufEnvelope.DecodeError(message: "truncated protobuf") }
            defer { index += n }
            return bytes[index..<index + n]
        }
        switch tag & 7 {
        case 0:
            guard let v = try nextVarint() else { throw ProtobufEnvelope.DecodeError(message: "truncated protobuf") }
            return (field, .varint(v))
        case 1:
            let b = try take(8)
            return (field, .fixed64(b.reversed().reduce(0) { $0 << 8 | UInt64($1) }))
        case 2:
            guard let n = try nextVarint(), n <= UInt64(bytes.endIndex - index) else {
                throw ProtobufEnvelope.DecodeError(message: "protobuf length prefix exceeds the remaining bytes")
            }
            return (field, .bytes(Array(try take(Int(n)))))
        case 5:
            let b = try take(4)
            return (field, .fixed32(b.reversed().reduce(0) { $0 << 8 | UInt32($1) }))
        default:
            throw ProtobufEnvelope.DecodeError(message: "unsupported protobuf wire type \(tag & 7)")
        }
    }
}

/// The parsed form of `ProtoWireSchema.table`.
extension ProtoWireSchema {
    struct Field: Sendable {
        enum Label: Sendable { case optional, repeated, map }
        var name: String
        var label: Label
        /// Scalar type or message name; for maps the value type.
        var type: String
        var valueType: String { type }
    }

    static let fields: [String: [Int: Field]] = {
        var out: [String: [Int: Field]] = [:]
        var current = ""
        for line in table.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            if parts.count == 2, parts[0] == "M" { current = parts[1]; out[current] = [:]; continue }
            guard parts.count == 4, let number = Int(parts[0]) else { continue }
            let label: Field.Label = parts[2] == "r" ? .repeated : (parts[2] == "m" ? .map : .optional)
            let type = label == .map ? String(parts[3].split(separator: ",").last ?? "") : parts[3]
            out[current, default: [:]][number] = Field(name: parts[1], label: label, type: type)
        }
        return out
    }()
}
