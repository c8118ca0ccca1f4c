import Foundation

/// Kubernetes' client-side event aggregation (client-go tools/record EventCorrelator), pure:
/// - an event identical to one already written (same source, object, type, reason and
///   message) becomes a patch of that Event's `count` and `lastTimestamp`;
/// - more than 10 events with the same source, object, type and reason but different
///   messages within 10 minutes are folded into one Event whose message starts with
///   "(combined from similar events): ".
struct EventCorrelator: Sendable {
    struct Input: Sendable {
        var source: String
        var object: String
        var type: String
        var reason: String
        var message: String
    }

    enum Action: Sendable, Equatable {
        /// Create a new Event with this message.
        case create(key: String, message: String)
        /// Patch the existing Event `name` to this count and message.
        case patch(key: String, name: String, count: Int, message: String)
    }

    struct Seen: Sendable {
        var name: String
        var count: Int
        var firstTimestamp: String
    }

    static let maxSimilar = 10
    static let similarWindow: TimeInterval = 600
    static let capacity = 4096

    private var seen: [String: Seen] = [:]
    private var seenOrder: [String] = []
    private var similar: [String: (messages: Set<String>, last: Date)] = [:]

    mutating func correlate(_ e: Input, now: Date) -> Action {
        let aggregateKey = [e.source, e.object, e.type, e.reason].joined(separator: "\u{1}")
        var entry = similar[aggregateKey] ?? (messages: [], last: now)
        if now.timeIntervalSince(entry.last) > Self.similarWindow { entry.messages = [] }
        entry.messages.insert(e.message)
        entry.last = now
        similar[aggregateKey] = entry
        var key = aggregateKey + "\u{1}" + e.message
        var message = e.message
        if entry.messages.count >= Self.maxSimilar {
            key = aggregateKey
            message = "(combined from similar events): " + e.message
        }
        if let s = seen[key] { return .patch(key: key, name: s.name, count: s.count + 1, message: message) }
        return .create(key: key, message: message)
    }

    /// Remembers what was written for `key`.
    mutating func written(key: String, name: String, count: Int, firstTimestamp: String) {
        if seen.updateValue(Seen(name: name, count: count, firstTimestamp: firstTimestamp), forKey: key) == nil {
            seenOrder.append(key)
            if seenOrder.count > Self.capacity {
                let drop = seenOrder.removeFirst()
                seen[drop] = nil
            }
        }
    }

    /// Forgets `key` (its Event is gone, e.g. expired by the server's event TTL).
    mutating func forget(key: String) { seen[key] = nil }
}
