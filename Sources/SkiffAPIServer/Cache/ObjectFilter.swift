import SkiffAPI

/// Which objects a list or watch wants: a namespace (nil = all) and selectors.
struct ObjectFilter: Sendable {
    var namespace: String?
    var labelSelector: LabelSelector?
    var fieldSelector: FieldSelector?

    static let everything = ObjectFilter()

    func matches(_ o: CachedObject) -> Bool {
        if let namespace, o.namespace != namespace { return false }
        if let labelSelector, !labelSelector.matches(o.labels) { return false }
        if let fieldSelector, !fieldSelector.matches(o.fields) { return false }
        return true
    }
}

/// What a watch stream carries, before encoding for the wire.
enum WatchFrame: Sendable {
    /// `line` is the JSON event line (`{"type":…,"object":…}\n`), encoded once for all watchers.
    case event(type: String, object: CachedObject, line: [UInt8])
    case bookmark(revision: Int64, initialEventsEnd: Bool)
    case error(APIError)
}

enum WatchLine {
    static func event(type: String, objectBytes: [UInt8]) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(objectBytes.count + 32)
        line.append(contentsOf: #"{"type":""#.utf8)
        line.append(contentsOf: type.utf8)
        line.append(contentsOf: #"","object":"#.utf8)
        line.append(contentsOf: objectBytes)
        line.append(contentsOf: "}\n".utf8)
        return line
    }
}
