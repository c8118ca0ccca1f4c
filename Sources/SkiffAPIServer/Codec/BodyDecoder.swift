import Foundation
import SkiffAPI
import CYaml

/// Request bodies: JSON, YAML (one document) and, for the few kinds kubectl only sends that way,
/// the Kubernetes protobuf envelope.
///
/// The content type alone picks the parser, as kube-apiserver's serializer negotiation does: a
/// body that is not valid JSON under a JSON content type is a 400, never retried as YAML. Every
/// parser is bounded (the body itself is capped at `maxRequestBodyBytes` by the HTTP layer):
/// JSON nesting by the JSON parser's limit (1000 levels), YAML nesting by libyaml's limit (1000 levels) and
/// `YAMLComposer.maximumDepth`, YAML alias expansion by go-yaml's budget (`YAMLComposer`),
/// protobuf by `ProtobufEnvelope.maximumDepth` and overflow-safe length checks.
package enum BodyDecoder {
    static func mediaType(_ contentType: String?) -> String {
        guard let contentType else { return "application/json" }
        return contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    package static func decode(_ body: [UInt8], contentType: String?) throws(APIError) -> JSONValue {
        if body.isEmpty { throw .badRequest("the request body is empty") }
        switch mediaType(contentType) {
        case "application/json", "", "*/*", "text/plain", "application/merge-patch+json",
             "application/strategic-merge-patch+json", "application/json-patch+json":
            do throws(JSONParseError) { return try JSONValue.parse(body) } catch {
                throw .badRequest("error decoding request body: \(error.message)")
            }
        case "application/yaml", "application/x-yaml", "text/yaml", "application/apply-patch+yaml":
            return try yaml(body)
        case "application/vnd.kubernetes.protobuf":
            do throws(ProtobufEnvelope.DecodeError) { return try ProtobufEnvelope.decode(body) } catch {
                // A malformed body is the client's error (400, as upstream's decode errors); a
                // well-formed one for a kind without a wire layout asks for another media type.
                if error.unsupported { throw APIError(code: 415, reason: .unsupportedMediaType, message: error.message) }
                throw .badRequest("error decoding protobuf request body: \(error.message)")
            }
        case let other:
            throw APIError(code: 415, reason: .unsupportedMediaType,
                           message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got \(other))")
        }
    }

    static func yaml(_ body: [UInt8]) throws(APIError) -> JSONValue {
        guard String(bytes: body, encoding: .utf8) != nil else { throw .badRequest("the request body is not UTF-8") }
        var composer = YAMLComposer()
        return try composer.compose(body)
    }

    static func scalarValue(_ s: String, plain: Bool) -> JSONValue {
        guard plain else { return .string(s) }
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        default: break
        }
        if let i = Int64(s) { return .int(i) }
        if s.hasPrefix("0x"), let i = Int64(s.dropFirst(2), radix: 16) { return .int(i) }
        if s.hasPrefix("0o"), let i = Int64(s.dropFirst(2), radix: 8) { return .int(i) }
        let floatChars = Set("0123456789.eE+-")
        if s.contains(where: \.isNumber), s.allSatisfy(floatChars.contains), let d = Double(s) { return .double(d) }
        if [".inf", ".Inf", "+.inf"].contains(s) { return .double(.infinity) }
        if [".nan", ".NaN"].contains(s) { return .double(.nan) }
        return .string(s)
    }
}

/// Composes one YAML document into JSON straight from libyaml's events, with go-yaml's alias
/// budget.
///
/// Yams' `compose` expands an alias by sharing the anchored subtree, which is cheap, but walking
/// the result is not (a "billion laughs" document of under 1 KB is hundreds of millions of
/// nodes), and it hashes whole subtrees to find duplicate mapping keys, so an alias used as a key
/// costs the same walk before any check could run. Here every anchored value remembers how many
/// nodes it expands to, and each alias charges that many against go-yaml v2's budget (the YAML
/// library behind sigs.k8s.io/yaml, which kube-apiserver decodes YAML with): it fails with
/// "document contains excessive aliasing" once more than 100 alias nodes and 1000 nodes in all
/// were decoded and aliases make up more than the allowed share, 99% up to 400,000 nodes, falling
/// linearly to 10% at 4,000,000. Ordinary anchors in manifests keep working; the expanded value
/// itself is shared (`JSONValue` is copy-on-write), so memory stays proportional to the input.
/// Nesting stops at 1000 levels (libyaml's own limit, and the JSON parser's).
struct YAMLComposer {
    static let maximumDepth = 1000

    private struct Anchored {
        var value: JSONValue
        var nodes: Int
        /// The text of a scalar, for use as a mapping key.
        var text: String?
    }

    /// An open collection; mutated in place through `stack[last]` so appends never copy.
    private struct Frame {
        var isMapping: Bool
        var items: [JSONValue] = []
        var fields: [String: JSONValue] = [:]
        /// The key whose value comes next (mappings only).
        var key: String?
        var anchor: String?
        var nodes = 1
    }

    private var decodeCount = 0
    private var aliasCount = 0
    private var anchors: [String: Anchored] = [:]
    private var stack: [Frame] = []
    private var root: JSONValue?

    static func allowedAliasRatio(_ decodeCount: Int) -> Double {
        let low = 400_000.0, high = 4_000_000.0
        let count = Double(decodeCount)
        if count <= low { return 0.99 }
        if count >= high { return 0.10 }
        return 0.99 - 0.89 * ((count - low) / (high - low))
    }

    mutating func compose(_ body: [UInt8]) throws(APIError) -> JSONValue {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw .internalError("cannot initialise the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        let result: Result<JSONValue?, APIError> = body.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            do throws(APIError) { return .success(try run(&parser)) } catch { return .failure(error) }
        }
        guard let value = try result.get() else { throw .badRequest("the request body is empty") }
        return value
    }

    private mutating func run(_ parser: inout yaml_parser_t) throws(APIError) -> JSONValue? {
        var documents = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
                throw .badRequest("error converting YAML to JSON: yaml: line \(parser.problem_mark.line + 1): \(problem)")
            }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return root
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 { throw .badRequest("error converting YAML to JSON: expected a single document in the body") }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = Self.string(scalar.value, scalar.length)
                let key = text
                let value = BodyDecoder.scalarValue(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE)
                try add(value, nodes: 1, text: key, anchor: Self.string(scalar.anchor))
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard let anchored = anchors[name] else {
                    throw .badRequest("error converting YAML to JSON: yaml: unknown anchor '\(name)' referenced")
                }
                // go-yaml counts the alias node itself, then every node of the expansion as an alias.
                try charge(decodes: 1 + anchored.nodes, aliases: anchored.nodes)
                try add(anchored.value, nodes: anchored.nodes, text: anchored.text, anchor: nil, charged: true)
            case YAML_SEQUENCE_START_EVENT:
                try expectValue()
                try push(Frame(isMapping: false, anchor: Self.string(event.data.sequence_start.anchor)))
            case YAML_MAPPING_START_EVENT:
                try expectValue()
                try push(Frame(isMapping: true, anchor: Self.string(event.data.mapping_start.anchor)))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { throw .badRequest("malformed YAML") }
                try add(frame.isMapping ? .object(frame.fields) : .array(frame.items), nodes: frame.nodes, text: nil,
                        anchor: frame.anchor, charged: true)
            default:
                break
            }
        }
    }

    private mutating func charge(decodes: Int, aliases: Int) throws(APIError) {
        decodeCount += decodes
        aliasCount += aliases
        if aliasCount > 100, decodeCount > 1000,
           Double(aliasCount) / Double(decodeCount) > Self.allowedAliasRatio(decodeCount) {
            throw .badRequest("error converting YAML to JSON: yaml: document contains excessive aliasing")
        }
    }

    /// A collection may not start where a mapping key is expected: keys are strings.
    private func expectValue() throws(APIError) {
        if let frame = stack.last, frame.isMapping, frame.key == nil { throw .badRequest("YAML mapping keys must be strings") }
    }

    private mutating func push(_ frame: Frame) throws(APIError) {
        try charge(decodes: 1, aliases: 0)
        stack.append(frame)
        if stack.count > Self.maximumDepth {
            throw .badRequest("error converting YAML to JSON: exceeded max depth of \(Self.maximumDepth)")
        }
    }

    /// Places a finished node (`nodes` big) into its parent. Scalars are charged here; collections
    /// were charged when they started and aliases by `charge` above.
    private mutating func add(_ value: JSONValue, nodes: Int, text: String?, anchor: String?, charged: Bool = false) throws(APIError) {
        if !charged { try charge(decodes: 1, aliases: 0) }
        if let anchor { anchors[anchor] = Anchored(value: value, nodes: nodes, text: text) }
        guard !stack.isEmpty else {
            root = value
            return
        }
        let last = stack.count - 1
        stack[last].nodes += nodes
        guard stack[last].isMapping else {
            stack[last].items.append(value)
            return
        }
        guard let key = stack[last].key else {
            guard let text else { throw .badRequest("YAML mapping keys must be strings") }
            stack[last].key = text
            return
        }
        stack[last].key = nil
        if key == "<<" { return }  // merge keys are not applied, as before
        if stack[last].fields[key] != nil {
            throw .badRequest("error converting YAML to JSON: yaml: mapping key \"\(key)\" already defined")
        }
        stack[last].fields[key] = value
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
