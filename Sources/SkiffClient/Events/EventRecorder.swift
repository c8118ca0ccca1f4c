import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import Synchronization

/// Records core/v1 Events about objects (client-go's EventRecorder with its broadcaster):
/// `event(...)` never blocks — it buffers (dropping when `bufferSize` events wait) and `run()`
/// writes them, aggregated as Kubernetes does (see `EventCorrelator`). `record(...)` writes
/// one at once and returns the Event, for callers that want the result.
public final class EventRecorder: Service, Sendable {
    public enum EventType: String, Sendable { case normal = "Normal", warning = "Warning" }

    struct Pending: Sendable {
        var object: CoreV1.ObjectReference
        var type: EventType
        var reason: String
        var message: String
    }

    public let component: String
    public let host: String?
    let client: Client
    let logger: Logger
    private let correlator = Mutex(EventCorrelator())
    private let stream: AsyncStream<Pending>
    private let continuation: AsyncStream<Pending>.Continuation

    public init(client: Client, component: String, host: String? = nil, bufferSize: Int = 1000,
                logger: Logger = Logger(label: "skiff.events")) {
        self.client = client
        self.component = component
        self.host = host
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
    }

    /// The reference an Event's `involvedObject` carries for `object`.
    public static func reference<T: APIObject>(_ object: T) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(apiVersion: T.groupVersionKind.apiVersion, kind: T.groupVersionKind.kind,
                               name: object.metadata?.name, namespace: object.metadata?.namespace,
                               resourceVersion: object.metadata?.resourceVersion, uid: object.metadata?.uid)
    }

    /// Queues an event about `object`; written by `run()`.
    public func event<T: APIObject>(_ object: T, type: EventType = .normal, reason: String, message: String) {
        continuation.yield(Pending(object: Self.reference(object), type: type, reason: reason, message: message))
    }

    public func run() async throws {
        for await pending in stream.cancelOnGracefulShutdown() {
            do {
                _ = try await record(pending.object, type: pending.type, reason: pending.reason, message: pending.message)
            } catch {
                logger.debug("cannot write event \(pending.reason) for \(pending.object.name ?? ""): \(error)")
            }
        }
    }

    /// Writes one event now: creates it, or bumps `count` and `lastTimestamp` of the Event
    /// already written for an identical one.
    @discardableResult
    public func record(_ object: CoreV1.ObjectReference, type: EventType = .normal, reason: String, message: String) async throws -> CoreV1.Event {
        let now = Date()
        let stamp = Self.timestamp(now)
        let input = EventCorrelator.Input(
            source: component + "\u{1}" + (host ?? ""),
            object: [object.apiVersion, object.kind, object.namespace, object.name, object.uid].map { $0 ?? "" }.joined(separator: "\u{1}"),
            type: type.rawValue, reason: reason, message: message)
        let namespace = (object.namespace ?? "").isEmpty ? "default" : object.namespace ?? "default"
        let action = correlator.withLock { $0.correlate(input, now: now) }
        if case .patch(let key, let name, let count, let message) = action {
            let patch = JSONValue.object(["count": .int(Int64(count)), "lastTimestamp": .string(stamp), "message": .string(message)])
            do {
                let event = try await client.patch(CoreV1.Event.self, name, namespace: namespace, Patch(.strategicMerge, patch))
                correlator.withLock { $0.written(key: key, name: name, count: count, firstTimestamp: event.firstTimestamp ?? stamp) }
                return event
            } catch let e as ClientError where e.isNotFound {
                correlator.withLock { $0.forget(key: key) }
                // The Event is gone (expired): start a new one below.
            }
        }
        let (key, text): (String, String)
        switch action {
        case .create(let k, let m), .patch(let k, _, _, let m): (key, text) = (k, m)
        }
        let name = "\(object.name ?? "unknown").\(String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16))"
        let event = CoreV1.Event(
            count: 1, firstTimestamp: stamp, involvedObject: object, lastTimestamp: stamp, message: text,
            metadata: MetaV1.ObjectMeta(name: name, namespace: namespace), reason: reason,
            reportingComponent: component, reportingInstance: host,
            source: CoreV1.EventSource(component: component, host: host), type: type.rawValue)
        let created = try await client.create(event)
        correlator.withLock { $0.written(key: key, name: name, count: 1, firstTimestamp: stamp) }
        return created
    }

    /// metav1.Time: RFC 3339 in UTC, whole seconds.
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}
