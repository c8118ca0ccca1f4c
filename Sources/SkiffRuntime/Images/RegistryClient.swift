import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A client for one registry's distribution API (pull side), for the duration of one pull.
///
/// Handles anonymous access, Basic auth, and bearer tokens obtained from the realm a
/// `WWW-Authenticate: Bearer` challenge names. Call `shutdown()` when done.
final class RegistryClient: Sendable {
    let registry: String
    let baseURL: String
    private let http: HTTPClient
    private let credentials: RegistryCredentials?
    private let options: RegistryOptions
    /// The Authorization header that last worked, keyed by scope.
    private let authorizations = Mutex<[String: String]>([:])

    /// Manifests and configs are small; anything bigger is refused rather than buffered.
    static let maximumManifestBytes = ImageFiles.maximumManifestBytes

    init(registry: String, apiHost: String, options: RegistryOptions, credentials: RegistryCredentials?) throws(ImageError) {
        self.registry = registry
        self.options = options
        self.credentials = credentials
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: .seconds(options.connectTimeoutSeconds), read: .seconds(60))
        )
        if options.usesPlainHTTP(registry) {
            baseURL = "http://\(apiHost)"
        } else {
            baseURL = "https://\(apiHost)"
            if let caPath = options.certificateAuthority(for: registry) {
                guard FileManager.default.isReadableFile(atPath: caPath) else {
                    throw .io("cannot read CA file \(caPath) for registry \(registry)")
                }
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(caPath)
                configuration.tlsConfiguration = tls
            }
        }
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Fetches a manifest or index by tag or digest. Returns its bytes, media type and digest.
    /// A 404 becomes `ImageError.notFound(displayName)`.
    func manifest(repository: String, reference: String, displayName: String) async throws(ImageError) -> (data: Data, mediaType: String, digest: String) {
        let url = "\(baseURL)/v2/\(repository)/manifests/\(reference)"
        let response = try await send(url: url, accept: OCIMediaType.manifestAccept, repository: repository, timeout: options.requestTimeoutSeconds)
        let body = try await collect(response, limit: Self.maximumManifestBytes)
        switch response.status.code {
        case 200: break
        case 404: throw .notFound("\(displayName) (\(RegistryErrorResponse.summary(of: body)))")
        default: throw .registry(status: Int(response.status.code), message: RegistryErrorResponse.summary(of: body))
        }
        let digest = OCIDigest.of(body)
        if OCIDigest.isValid(reference), reference != digest { throw .digestMismatch(expected: reference, actual: digest) }
        let declared = response.headers.first(name: "Content-Type")?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let probe = try JSONDecoder.decodeImageJSON(OCIMediaTypeProbe.self, from: body, what: "manifest of \(displayName)")
        let mediaType = probe.mediaType ?? declared ?? (probe.manifests != nil ? OCIMediaType.imageIndex : OCIMediaType.imageManifest)
        return (body, mediaType, digest)
    }

    /// Downloads a blob to `path`, verifying size and digest as it streams.
    /// On any failure the file is removed.
    func downloadBlob(repository: String, descriptor: OCIDescriptor, to path: String) async throws(ImageError) {
        let url = "\(baseURL)/v2/\(repository)/blobs/\(descriptor.digest)"
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw .io("cannot create \(path)")
        }
        var success = false
        defer {
            try? file.close()
            if !success { try? FileManager.default.removeItem(atPath: path) }
        }
        let response = try await send(url: url, accept: "*/*", repository: repository, timeout: options.blobTimeoutSeconds)
        guard response.status == .ok else {
            let body = try await collect(response, limit: 64 << 10)
            if response.status == .notFound { throw .notFound("blob \(descriptor.digest) in \(registry)/\(repository)") }
            throw .registry(status: Int(response.status.code), message: RegistryErrorResponse.summary(of: body))
        }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            for try await buffer in response.body {
                size += Int64(buffer.readableBytes)
                // Stop early on an oversized body instead of filling the disk.
                if size > descriptor.size { break }
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try file.write(contentsOf: Data(buffer.readableBytesView))
            }
        } catch let error as ImageError {
            throw error
        } catch {
            throw .registry(status: 0, message: "downloading \(descriptor.digest): \(error)")
        }
        guard size == descriptor.size else {
            throw .corrupt("blob \(descriptor.digest): expected \(descriptor.size) bytes, got \(size > descriptor.size ? "more" : String(size))")
        }
        let actual = "sha256:" + OCIDigest.hexString(hasher.finalize())
        guard actual == descriptor.digest else { throw .digestMismatch(expected: descriptor.digest, actual: actual) }
        success = true
    }

    // MARK: - Requests and authentication

    private func send(url: String, accept: String, repository: String, timeout: Int64) async throws(ImageError) -> HTTPClientResponse {
        let scope = "repository:\(repository):pull"
        var authorization = authorizations.withLock { $0[scope] } ?? credentials?.bearerToken.map { "Bearer \($0)" }
        var response = try await execute(url: url, accept: accept, authorization: authorization, timeout: timeout)
        if response.status == .unauthorized {
            let challengeHeader = response.headers.first(name: "WWW-Authenticate") ?? ""
            _ = try? await response.body.collect(upTo: 64 << 10)
            authorization = try await authorize(challenge: AuthenticationChallenge(header: challengeHeader), scope: scope)
            authorizations.withLock { $0[scope] = authorization }
            response = try await execute(url: url, accept: accept, authorization: authorization, timeout: timeout)
        }
        if response.status == .unauthorized || response.status == .forbidden {
            let body = try await collect(response, limit: 64 << 10)
            throw .unauthorized("\(registry) refused access to \(repository): \(RegistryErrorResponse.summary(of: body))")
        }
        return response
    }

    /// The Authorization header answering `challenge`.
    private func authorize(challenge: AuthenticationChallenge?, scope: String) async throws(ImageError) -> String {
        guard let challenge else { throw .unauthorized("\(registry) requires authentication but sent no usable challenge") }
        switch challenge.scheme {
        case "basic":
            guard let basic = credentials?.basicAuthorization else {
                throw .unauthorized("\(registry) requires a username and password")
            }
            return basic
        case "bearer":
            guard let tokenURL = challenge.tokenURL(defaultScope: scope) else {
                throw .unauthorized("\(registry) sent a bearer challenge without a realm")
            }
            let response = try await execute(url: tokenURL, accept: "application/json", authorization: credentials?.basicAuthorization, timeout: options.requestTimeoutSeconds)
            let body = try await collect(response, limit: 1 << 20)
            guard response.status == .ok else {
                throw .unauthorized("token service \(tokenURL) answered \(response.status.code): \(RegistryErrorResponse.summary(of: body))")
            }
            let decoded = try JSONDecoder.decodeImageJSON(RegistryTokenResponse.self, from: body, what: "token response")
            guard let token = decoded.token ?? decoded.access_token, !token.isEmpty else {
                throw .unauthorized("token service \(tokenURL) returned no token")
            }
            return "Bearer \(token)"
        default:
            throw .unauthorized("\(registry) asks for unsupported authentication scheme \(challenge.scheme)")
        }
    }

    private func execute(url: String, accept: String, authorization: String?, timeout: Int64) async throws(ImageError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "skiff")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        do {
            return try await http.execute(request, timeout: .seconds(timeout))
        } catch {
            throw .registry(status: 0, message: "cannot reach \(url): \(error)")
        }
    }

    private func collect(_ response: HTTPClientResponse, limit: Int) async throws(ImageError) -> Data {
        do {
            return Data(try await response.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw .registry(status: Int(response.status.code), message: "reading response body: \(error)")
        }
    }
}
