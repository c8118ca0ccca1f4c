import Foundation
import SkiffAPI

/// RFC 3339 timestamps (second precision, UTC) as Kubernetes writes them (`KubeTime`).
enum Timestamp {
    static func format(_ date: Date) -> String { KubeTime.format(date) }

    static func now() -> String { format(Date()) }
}

enum Names {
    private static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// `generateName` + 5 random characters, as Kubernetes does.
    static func generate(prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let base = prefix.count > 58 ? String(prefix.prefix(58)) : prefix
        return base + String((0..<5).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func uid() -> String { UUID().uuidString.lowercased() }
}

extension JSONValue {
    var metadata: JSONValue { self["metadata"] ?? .object([:]) }
    var name: String { metadata["name"]?.stringValue ?? "" }
    var namespace: String? { metadata["namespace"]?.stringValue }
    var finalizers: [String] { (metadata["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue) }

    mutating func setMetadata(_ key: String, _ value: JSONValue?) {
        var m = metadata
        m[key] = value
        if value == nil, case .object(var fields) = m { fields.removeValue(forKey: key); m = .object(fields) }
        self["metadata"] = m
    }

    mutating func remove(_ key: String) {
        if case .object(var fields) = self { fields.removeValue(forKey: key); self = .object(fields) }
    }
}
