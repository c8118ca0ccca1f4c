import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The transport over HTTP(S) with AsyncHTTPClient, configured from a `RESTConfig` (CA, client
/// certificate, bearer token, insecure-skip-tls-verify). Call `shutdown()` before dropping it.
public final class HTTPTransport: Transport {
    public let config: RESTConfig
    private let client: HTTPClient
    private let base: String
    /// Upper bound on a non-watch response body (a full list of 100k objects stays below it).
    static let maxBodyBytes = 1 << 30

    public init(config: RESTConfig) throws {
        self.config = config
        base = config.server.hasSuffix("/") ? String(config.server.dropLast()) : config.server
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = config.caPEM { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca)) }
            if let cert = config.clientCertificatePEM, let key = config.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubeConfig.fail("cannot load TLS material: \(error)")
        }
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout.connect = .seconds(10)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connection pool. Open watches end.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        var http = HTTPClientRequest(url: base + request.uri)
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if let token = config.bearerToken, request.headers["authorization"] == nil {
            http.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if !request.body.isEmpty { http.body = .bytes(ByteBuffer(bytes: request.body)) }
        let deadline: NIODeadline = request.streaming ? .distantFuture : .now() + .seconds(120)
        let response = try await client.execute(http, deadline: deadline)
        let headers = response.headers.map { ($0.name, $0.value) }
        let status = Int(response.status.code)
        if request.streaming, (200..<300).contains(status) {
            let box = IteratorBox(response.body.makeAsyncIterator())
            let stream = AsyncThrowingStream<[UInt8], any Error> {
                guard let buffer = try await box.next() else { return nil }
                return Array(buffer.readableBytesView)
            }
            return ClientResponse(status: status, headers: headers, body: .stream(stream))
        }
        let body = try await response.body.collect(upTo: Self.maxBodyBytes)
        return ClientResponse(status: status, headers: headers, body: .bytes(Array(body.readableBytesView)))
    }
}

/// Holds a single-consumer iterator for an `AsyncThrowingStream(unfolding:)` closure; only the
/// one task iterating the stream touches it.
final class IteratorBox<Base: AsyncIteratorProtocol>: @unchecked Sendable {
    private var base: Base
    init(_ base: Base) { self.base = base }
    func next() async throws -> Base.Element? { try await base.next() }
}
