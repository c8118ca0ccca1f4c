import Foundation
import SkiffAPI
import Yams

/// Request bodies: JSON, YAML (one document) and, for the few kinds kubectl only sends that way,
/// the Kubernetes protobuf envelope.
enum BodyDecoder {
    static func mediaType(_ contentType: String?) -> String {
        guard let contentType else { return "application/json" }
        return contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    static func decode(_ body: [UInt8], contentType: String?) throws(APIError) -> JSONValue {
        if body.isEmpty { throw .badRequest("the request body is empty") }
        switch mediaType(contentType) {
        case "application/json", "", "*/*", "text/plain", "application/merge-patch+json",
             "application/strategic-merge-patch+json", "application/json-patch+json":
            do throws(JSONParseError) { return try JSONValue.parse(body) } catch {
                // kubectl sends YAML-less bodies, but humans with curl send either.
                if let value = try? yaml(body) { return value }
                throw .badRequest("error decoding request body: \(error.message)")
            }
        case "application/yaml", "application/x-yaml", "text/yaml", "application/apply-patch+yaml":
            return try yaml(body)
        case "application/vnd.kubernetes.protobuf":
            do throws(ProtobufEnvelope.DecodeError) { return try ProtobufEnvelope.decode(body) } catch {
                throw APIError(code: 415, reason: .unsupportedMediaType, message: error.message)
            }
        case let other:
            throw APIError(code: 415, reason: .unsupportedMediaType,
                           message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got \(other))")
        }
    }

    static func yaml(_ body: [UInt8]) throws(APIError) -> JSONValue {
        guard let text = String(bytes: body, encoding: .utf8) else { throw .badRequest("the request body is not UTF-8") }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw .badRequest("error decoding YAML: \(error)")
        }
        guard let node else { throw .badRequest("the request body is empty") }
        return try convert(node)
    }

    private static func convert(_ node: Node) throws(APIError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let k = key.scalar?.string else { throw .badRequest("YAML mapping keys must be strings") }
                if k == "<<" { continue }
                object[k] = try convert(value)
            }
            return .object(object)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try convert(item)) }
            return .array(items)
        case .alias:
            throw .badRequest("YAML aliases are not supported")
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        let s = scalar.string
        guard scalar.style == .plain else { return .string(s) }
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
