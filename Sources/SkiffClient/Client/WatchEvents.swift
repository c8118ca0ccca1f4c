import Foundation
import SkiffAPI

/// One watch event. BOOKMARK carries only a resourceVersion (and, for watch-list, the
/// `k8s.io/initial-events-end` marker).
public enum WatchEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    case bookmark(resourceVersion: String, initialEventsEnd: Bool)
}

extension WatchEvent where Object: APIObject {
    static func typedDecoder() -> @Sendable ([UInt8]) throws -> WatchEvent<Object> {
        { line in try decodeTyped(line) }
    }

    /// Parses one line with SkiffAPI's byte parser and decodes only the object as `Object`
    /// (a Status for ERROR, only metadata for BOOKMARK, whose object is not a full `Object`).
    static func decodeTyped(_ line: [UInt8]) throws -> WatchEvent<Object> {
        let value: JSONValue
        do { value = try JSONValue.parse(line) } catch { throw ClientError.decoding("watch event", error) }
        let object = value["object"] ?? .null
        func typed() throws -> Object {
            do { return try JSONValueDecoder.decode(Object.self, from: object) } catch {
                throw ClientError.decoding("watch event of \(Object.self)", error)
            }
        }
        switch value["type"]?.stringValue ?? "" {
        case "ADDED": return .added(try typed())
        case "MODIFIED": return .modified(try typed())
        case "DELETED": return .deleted(try typed())
        case "BOOKMARK":
            return .bookmark(resourceVersion: object["metadata"]?["resourceVersion"]?.stringValue ?? "",
                             initialEventsEnd: object["metadata"]?["annotations"]?["k8s.io/initial-events-end"]?.stringValue == "true")
        case "ERROR": throw watchError(object)
        case let other: throw ClientError(code: 0, reason: .decoding, message: "unexpected watch event type \"\(other)\"")
        }
    }
}

extension WatchEvent where Object == JSONValue {
    static func decodeDynamic(_ line: [UInt8]) throws -> WatchEvent<JSONValue> {
        let value: JSONValue
        do { value = try JSONValue.parse(line) } catch { throw ClientError.decoding("watch event", error) }
        let object = value["object"] ?? .null
        switch value["type"]?.stringValue ?? "" {
        case "ADDED": return .added(object)
        case "MODIFIED": return .modified(object)
        case "DELETED": return .deleted(object)
        case "BOOKMARK":
            return .bookmark(resourceVersion: object["metadata"]?["resourceVersion"]?.stringValue ?? "",
                             initialEventsEnd: object["metadata"]?["annotations"]?["k8s.io/initial-events-end"]?.stringValue == "true")
        case "ERROR": throw watchError(object)
        case let other: throw ClientError(code: 0, reason: .decoding, message: "unexpected watch event type \"\(other)\"")
        }
    }
}

func watchError(_ status: JSONValue?) -> ClientError {
    guard let status, status["kind"]?.stringValue == "Status" else {
        return ClientError(code: 0, reason: .watchError, message: "the watch ended with an ERROR event")
    }
    let code = Int(status["code"]?.intValue ?? 500)
    return ClientError.from(code: code, body: status.serialized(), retryAfterHeader: nil)
}

/// The events of one watch, decoded lazily from the newline-delimited JSON body as the
/// consumer iterates (no task of its own). Single-consumer.
public struct WatchEvents<Object: Sendable>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>
    let body: ClientResponse.Body
    let decode: @Sendable ([UInt8]) throws -> WatchEvent<Object>

    init(_ body: ClientResponse.Body, decode: @escaping @Sendable ([UInt8]) throws -> WatchEvent<Object>) {
        self.body = body
        self.decode = decode
    }

    public func makeAsyncIterator() -> Iterator {
        switch body {
        case .bytes(let b): return Iterator(chunks: nil, buffer: b, decode: decode)
        case .stream(let s): return Iterator(chunks: s.makeAsyncIterator(), buffer: [], decode: decode)
        }
    }

    public struct Iterator: AsyncIteratorProtocol {
        var chunks: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator?
        var buffer: [UInt8]
        var start = 0
        let decode: @Sendable ([UInt8]) throws -> WatchEvent<Object>

        init(chunks: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator?, buffer: [UInt8],
             decode: @escaping @Sendable ([UInt8]) throws -> WatchEvent<Object>) {
            self.chunks = chunks
            self.buffer = buffer
            self.decode = decode
        }

        public mutating func next() async throws -> WatchEvent<Object>? {
            while true {
                if let line = nextLine() { return try decode(line) }
                guard chunks != nil else { return try rest() }
                let chunk: [UInt8]?
                do { chunk = try await chunks?.next() } catch {
                    if error is CancellationError { return nil }
                    throw ClientError.transport(error)
                }
                guard let chunk else {
                    chunks = nil
                    return try rest()
                }
                if start > 0 {
                    buffer.removeFirst(start)
                    start = 0
                }
                buffer += chunk
            }
        }

        private mutating func nextLine() -> [UInt8]? {
            while let nl = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) { return line }
            }
            return nil
        }

        /// A last line without a newline at the end of the body.
        private mutating func rest() throws -> WatchEvent<Object>? {
            let line = Array(buffer[start...])
            buffer = []
            start = 0
            guard line.contains(where: { $0 > UInt8(ascii: " ") }) else { return nil }
            return try decode(line)
        }
    }
}
