import Foundation
import SkiffAPI
import SkiffRuntime

/// The kubelet's containerLogs options (PodLogOptions as query parameters).
struct LogOptions: Sendable, Equatable {
    var follow = false
    var previous = false
    var timestamps = false
    var tailLines: Int?
    var limitBytes: Int?
    var sinceSeconds: Int?
    var sinceTime: Date?

    /// Parses the query; a malformed number is an error (400 at the edge), never a crash.
    init(query: [String: String]) throws(LogRequestError) {
        func flag(_ name: String) -> Bool { ["true", "1"].contains(query[name]?.lowercased() ?? "") }
        func number(_ name: String) throws(LogRequestError) -> Int? {
            guard let text = query[name], !text.isEmpty else { return nil }
            guard let value = Int(text), value >= 0 else { throw LogRequestError(status: 400, message: "invalid \(name): \(text)") }
            return value
        }
        follow = flag("follow")
        previous = flag("previous")
        timestamps = flag("timestamps")
        tailLines = try number("tailLines")
        limitBytes = try number("limitBytes")
        sinceSeconds = try number("sinceSeconds")
        if let text = query["sinceTime"], !text.isEmpty {
            guard let date = KubeTime.parse(text) else { throw LogRequestError(status: 400, message: "invalid sinceTime: \(text)") }
            sinceTime = date
        }
        if limitBytes == 0 { throw LogRequestError(status: 400, message: "limitBytes must be greater than zero") }
    }

    init() {}
}

struct LogRequestError: Error, Sendable {
    var status: Int
    var message: String
}

/// Turns a CRI log file into what `kubectl logs` prints: messages in order (partial entries
/// joined), optionally prefixed with their timestamp, from the last `tailLines` lines, since a
/// time, at most `limitBytes`; with `follow`, new lines until the container stops.
enum ContainerLogs {
    /// Formats the complete lines of `text`; returns the output and how many bytes of `text` were used.
    static func format(_ text: Substring, options: LogOptions, since: Date?) -> [UInt8] {
        var output: [UInt8] = []
        var lines: [[UInt8]] = []
        var partial: [OutputStreamKind: String] = [:]
        for raw in text.split(separator: "\n") {
            guard let entry = CRILogEntry(line: raw) else { continue }
            if let since, let time = KubeTime.parse(entry.timestamp), time < since { continue }
            if !entry.isFullLine {
                partial[entry.stream, default: ""] += entry.content
                continue
            }
            let content = (partial.removeValue(forKey: entry.stream) ?? "") + entry.content
            var line = options.timestamps ? Array((entry.timestamp + " ").utf8) : []
            line += Array(content.utf8)
            line.append(10)
            lines.append(line)
        }
        if let tail = options.tailLines { lines = Array(lines.suffix(tail)) }
        for line in lines { output += line }
        return output
    }

    /// Streams the log at `path`. Without `follow` it yields what is there and finishes; with it,
    /// it polls for new complete lines until `isRunning` says the container stopped (then one last read).
    static func stream(path: String, options: LogOptions, now: Date,
                       isRunning: @escaping @Sendable () async -> Bool) -> AsyncStream<[UInt8]> {
        let since = options.sinceTime ?? options.sinceSeconds.map { now.addingTimeInterval(-Double($0)) }
        return AsyncStream { continuation in
            let task = Task {
                var offset = 0
                var remaining = options.limitBytes ?? Int.max
                var first = true
                func emit(_ bytes: [UInt8]) -> Bool {
                    guard remaining > 0 else { return false }
                    let slice = Array(bytes.prefix(remaining))
                    remaining -= slice.count
                    if !slice.isEmpty { continuation.yield(slice) }
                    return remaining > 0
                }
                while !Task.isCancelled {
                    let running = options.follow ? await isRunning() : false
                    let data = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
                    if data.count > offset {
                        // Only complete lines: a line being written is read on the next turn.
                        let end = (data[offset...].lastIndex(of: 10)).map { $0 + 1 } ?? offset
                        if end > offset {
                            let text = String(decoding: data[offset ..< end], as: UTF8.self)
                            var turnOptions = options
                            if !first { turnOptions.tailLines = nil }
                            if !emit(format(Substring(text), options: turnOptions, since: since)) { break }
                            offset = end
                        }
                    }
                    first = false
                    if !running { break }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
