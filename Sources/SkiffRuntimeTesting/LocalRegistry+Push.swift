import AsyncHTTPClient
import Foundation
import NIOCore
import SkiffRuntime

extension LocalRegistry {
    /// Pushes one image of an OCI layout directory to `repository:tag` with the distribution
    /// push API (monolithic blob uploads: POST, then PUT with `?digest=`; then PUT the
    /// manifest). Pushes the layout entry named `layoutReference`, or the first one.
    /// Returns the manifest digest.
    @discardableResult
    public func push(layoutDirectory: String, repository: String, tag: String, layoutReference: String? = nil) async throws -> String {
        guard let indexData = FileManager.default.contents(atPath: layoutDirectory + "/index.json") else {
            throw ImageError.corrupt("\(layoutDirectory) has no index.json")
        }
        let index = try JSONDecoder.decodeImageJSON(OCIIndex.self, from: indexData, what: "index.json")
        let entry = layoutReference.flatMap { name in index.manifests.first { $0.annotations?[ociRefNameAnnotation] == name } } ?? index.manifests.first
        guard let entry else { throw ImageError.corrupt("\(layoutDirectory) holds no image") }
        func blob(_ digest: String) throws -> Data {
            guard OCIDigest.isValid(digest), let data = FileManager.default.contents(atPath: layoutDirectory + "/blobs/sha256/" + OCIDigest.hex(digest)) else {
                throw ImageError.corrupt("layout lacks blob \(digest)")
            }
            return data
        }
        let manifestData = try blob(entry.digest)
        let manifest = try JSONDecoder.decodeImageJSON(OCIManifest.self, from: manifestData, what: "manifest")

        try await withHTTPClient { client in
            for descriptor in [manifest.config] + manifest.layers {
                try await upload(blob(descriptor.digest), digest: descriptor.digest, repository: repository, client: client)
            }
            try await putManifest(manifestData, mediaType: entry.mediaType, repository: repository, reference: tag, client: client)
        }
        return entry.digest
    }

    /// Uploads raw manifest bytes under `reference` (tag or digest), as given.
    public func putManifest(_ data: Data, mediaType: String, repository: String, reference: String) async throws {
        try await withHTTPClient { client in
            try await putManifest(data, mediaType: mediaType, repository: repository, reference: reference, client: client)
        }
    }

    private func upload(_ data: Data, digest: String, repository: String, client: HTTPClient) async throws {
        var head = HTTPClientRequest(url: "\(baseURL)/v2/\(repository)/blobs/\(digest)")
        head.method = .HEAD
        authorize(&head)
        if try await client.execute(head, timeout: .seconds(30)).status == .ok { return }

        var start = HTTPClientRequest(url: "\(baseURL)/v2/\(repository)/blobs/uploads/")
        start.method = .POST
        authorize(&start)
        start.headers.add(name: "Content-Length", value: "0")
        let started = try await client.execute(start, timeout: .seconds(30))
        _ = try await started.body.collect(upTo: 1 << 20)
        guard started.status == .accepted, let location = started.headers.first(name: "Location") else {
            throw ImageError.registry(status: Int(started.status.code), message: "blob upload to \(repository) was not accepted")
        }
        let base = location.hasPrefix("http") ? location : "\(baseURL)\(location)"
        var put = HTTPClientRequest(url: base + (base.contains("?") ? "&" : "?") + "digest=" + digest)
        put.method = .PUT
        authorize(&put)
        put.headers.add(name: "Content-Type", value: "application/octet-stream")
        put.body = .bytes(ByteBuffer(bytes: data))
        let finished = try await client.execute(put, timeout: .seconds(120))
        let body = try await finished.body.collect(upTo: 1 << 20)
        guard finished.status == .created else {
            throw ImageError.registry(status: Int(finished.status.code), message: RegistryErrorResponse.summary(of: Data(body.readableBytesView)))
        }
    }

    private func putManifest(_ data: Data, mediaType: String, repository: String, reference: String, client: HTTPClient) async throws {
        var request = HTTPClientRequest(url: "\(baseURL)/v2/\(repository)/manifests/\(reference)")
        request.method = .PUT
        authorize(&request)
        request.headers.add(name: "Content-Type", value: mediaType)
        request.body = .bytes(ByteBuffer(bytes: data))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .created else {
            throw ImageError.registry(status: Int(response.status.code), message: RegistryErrorResponse.summary(of: Data(body.readableBytesView)))
        }
    }

    private func authorize(_ request: inout HTTPClientRequest) {
        if let token = credentials?.bearerToken {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        } else if let basic = credentials?.basicAuthorization {
            request.headers.add(name: "Authorization", value: basic)
        }
    }
}
