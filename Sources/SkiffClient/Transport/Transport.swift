/// One API request as a transport sends it: the path without the query, the query as ordered
/// pairs (percent-encoded by the transport that needs it), lower-case header names.
public struct ClientRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(name: String, value: String)]
    public var headers: [String: String]
    public var body: [UInt8]
    /// A watch: the response body is a stream of bytes that stays open.
    public var streaming: Bool

    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [String: String] = [:], body: [UInt8] = [], streaming: Bool = false) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.streaming = streaming
    }

    /// `path?query` with the query percent-encoded as in a URL.
    public var uri: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.escape($0.name))=\(Self.escape($0.value))" }.joined(separator: "&")
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }
}

/// A response: status, headers (names as received) and a complete body or a byte stream.
public struct ClientResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// Chunks in arrival order; ends when the server closes the stream, throws when the
        /// connection fails.
        case stream(AsyncThrowingStream<[UInt8], any Error>)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public init(status: Int, headers: [(String, String)], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    /// The whole body; a stream is read to its end.
    public func collect() async throws -> [UInt8] {
        switch body {
        case .bytes(let b): return b
        case .stream(let s):
            var all: [UInt8] = []
            for try await chunk in s { all += chunk }
            return all
        }
    }
}

/// Moves one request to an API server and back. Implementations: `HTTPTransport` (HTTPS or
/// plain HTTP with a kubeconfig) and `InProcessTransport` (a closure, for components running
/// inside `skiff server`). Both have the same semantics: the API server's status codes and
/// bodies pass through untouched; only a failure to reach the server throws.
public protocol Transport: Sendable {
    func send(_ request: ClientRequest) async throws -> ClientResponse
}

/// A transport that calls a function in the same process (e.g. `APIServer.handle` adapted by
/// the executable), so SkiffClient needs no dependency on the server module.
public struct InProcessTransport: Transport {
    public typealias Handler = @Sendable (ClientRequest) async -> ClientResponse
    let handler: Handler

    public init(_ handler: @escaping Handler) { self.handler = handler }

    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        try Task.checkCancellation()
        return await handler(request)
    }
}

extension ClientResponse.Body {
    /// A streaming body from any single-consumer sequence of byte chunks (e.g. the chunks of
    /// an in-process API server's watch response).
    public static func streaming<S: AsyncSequence & Sendable>(_ chunks: S) -> ClientResponse.Body where S.Element == [UInt8] {
        let box = IteratorBox(chunks.makeAsyncIterator())
        return .stream(AsyncThrowingStream { try await box.next() })
    }
}
