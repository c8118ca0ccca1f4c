import Foundation
import SkiffAPI

/// What the client asked the response to be (from Accept): the object itself, a Table, or
/// PartialObjectMetadata.
enum ResponseForm: Sendable, Equatable {
    case object
    case table(includeObject: String)
    case partialMetadata

    static let tableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io"

    /// Throws 406 when only unsupported forms are acceptable.
    static func negotiate(_ request: APIRequest) throws(APIError) -> ResponseForm {
        guard let accept = request.header("accept"), !accept.isEmpty else { return .object }
        var plainAccepted = false
        for raw in accept.split(separator: ",") {
            let item = raw.replacingOccurrences(of: " ", with: "")
            let params = Set(item.split(separator: ";").dropFirst().map(String.init))
            let media = item.split(separator: ";").first.map(String.init) ?? ""
            if params.contains("as=Table") {
                if media == "application/json", params.contains("g=meta.k8s.io"), params.contains("v=v1") {
                    let include = request.query["includeObject"] ?? "Metadata"
                    return .table(includeObject: include.isEmpty ? "Metadata" : include)
                }
                continue
            }
            if params.contains("as=PartialObjectMetadata") || params.contains("as=PartialObjectMetadataList") {
                if media == "application/json", params.contains("g=meta.k8s.io") { return .partialMetadata }
                continue
            }
            if media == "application/json" || media == "*/*" || media == "application/*" || media == "application/yaml"
                || media == "application/vnd.kubernetes.protobuf" || media == "application/vnd.kubernetes.protobuf;stream=watch"
                || media == "application/json;stream=watch" {
                plainAccepted = true
            }
        }
        if plainAccepted { return .object }
        throw APIError(code: 406, reason: .notAcceptable,
                       message: "only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io")
    }
}

extension RequestHandler {
    /// `{"kind":"PartialObjectMetadata",…}` for an object.
    static func partialMetadata(_ object: JSONValue) -> JSONValue {
        .object(["kind": .string("PartialObjectMetadata"), "apiVersion": .string("meta.k8s.io/v1"), "metadata": object.metadata])
    }

    static func columnDefinitions(_ r: ResourceInfo) -> JSONValue {
        .array(r.strategy.columns(r).map {
            .object(["name": .string($0.name), "type": .string($0.type), "format": .string($0.format),
                     "description": .string($0.description), "priority": .int(Int64($0.priority))])
        })
    }

    static func tableRow(_ object: JSONValue, _ r: ResourceInfo, includeObject: String, now: Date) -> JSONValue {
        var row: [String: JSONValue] = ["cells": .array(r.strategy.cells(object, resource: r, now: now))]
        switch includeObject {
        case "None": break
        case "Object": row["object"] = object
        default: row["object"] = partialMetadata(object)
        }
        return .object(row)
    }

    static func table(_ objects: [JSONValue], _ r: ResourceInfo, includeObject: String, resourceVersion: String,
                      continueToken: String?, withColumns: Bool = true) -> JSONValue {
        let now = Date()
        var metadata: [String: JSONValue] = ["resourceVersion": .string(resourceVersion)]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        var table: [String: JSONValue] = [
            "kind": .string("Table"), "apiVersion": .string("meta.k8s.io/v1"), "metadata": .object(metadata),
            "rows": .array(objects.map { tableRow($0, r, includeObject: includeObject, now: now) }),
        ]
        if withColumns { table["columnDefinitions"] = columnDefinitions(r) }
        return .object(table)
    }

    /// One object in the negotiated form.
    func respondObject(_ bytes: [UInt8], _ r: ResourceInfo, form: ResponseForm, status: Int = 200,
                       warnings: [String] = []) -> APIResponse {
        let headers = warnings.map { ("Warning", "299 - \"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"") }
        switch form {
        case .object:
            return .bytes(bytes, status: status, extraHeaders: headers)
        case .partialMetadata:
            let object = (try? JSONValue.parse(bytes)) ?? .null
            return .json(Self.partialMetadata(object), status: status, extraHeaders: headers)
        case .table(let include):
            let object = (try? JSONValue.parse(bytes)) ?? .null
            let rv = object.metadata["resourceVersion"]?.stringValue ?? ""
            return .json(Self.table([object], r, includeObject: include, resourceVersion: rv, continueToken: nil),
                         status: status, contentType: ResponseForm.tableContentType, extraHeaders: headers)
        }
    }
}
