import Foundation
import SkiffSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One entry of a CRI log file: `<RFC3339Nano> <stdout|stderr> <F|P> <content>`.
public struct CRILogEntry: Sendable, Equatable {
    public var timestamp: String
    public var stream: OutputStreamKind
    /// False for a partial line ("P"): the content continues in the next entry of the same stream.
    public var isFullLine: Bool
    public var content: String

    /// Parses one line of a CRI log file; nil when malformed.
    public init?(line: Substring) {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, let stream = OutputStreamKind(rawValue: String(parts[1])),
              parts[2] == "F" || parts[2] == "P" else { return nil }
        self.timestamp = String(parts[0])
        self.stream = stream
        self.isFullLine = parts[2] == "F"
        self.content = parts.count == 4 ? String(parts[3]) : ""
    }

    /// Parses a whole log file's text.
    public static func parse(_ text: String) -> [CRILogEntry] {
        text.split(separator: "\n").compactMap { CRILogEntry(line: $0) }
    }
}

/// Writes container output to a file in the CRI log format. Lines longer than `maxLineBytes`
/// are split into partial ("P") entries; a final fragment without newline is flushed as full ("F")
/// when the stream ends. Safe to use from the stdout and stderr reader threads at once.
package final class CRILogWriter: Sendable {
    private let fd: Int32
    private let state = Mutex<[OutputStreamKind: [UInt8]]>([:])
    private let maxLineBytes: Int

    /// Opens (appending, creating) `path`; an empty path discards output.
    package init(path: String, maxLineBytes: Int = 16 * 1024) {
        self.fd = path.isEmpty ? -1 : open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        self.maxLineBytes = maxLineBytes
    }

    deinit { if fd >= 0 { close(fd) } }

    package func write(_ stream: OutputStreamKind, _ bytes: some Collection<UInt8>) {
        state.withLock { pending in
            var buffer = pending[stream, default: []]
            buffer.append(contentsOf: bytes)
            var start = 0
            while let newline = buffer[start...].firstIndex(of: 10) {
                emit(stream, full: true, buffer[start..<newline])
                start = newline + 1
            }
            while buffer.count - start >= maxLineBytes {
                emit(stream, full: false, buffer[start..<(start + maxLineBytes)])
                start += maxLineBytes
            }
            pending[stream] = Array(buffer[start...])
        }
    }

    /// Flushes a trailing fragment of `stream` as a full line.
    func finish(_ stream: OutputStreamKind) {
        state.withLock { pending in
            if let rest = pending[stream], !rest.isEmpty { emit(stream, full: true, rest[...]) }
            pending[stream] = []
        }
    }

    private func emit(_ stream: OutputStreamKind, full: Bool, _ content: ArraySlice<UInt8>) {
        guard fd >= 0 else { return }
        var line = Array("\(Self.timestamp()) \(stream.rawValue) \(full ? "F" : "P") ".utf8)
        line.append(contentsOf: content)
        line.append(10)
        writeAll(fd, line)
    }

    /// Now as RFC 3339 with nanoseconds in UTC, like Go's `time.RFC3339Nano` (trailing zeros kept for sorting).
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return rfc3339Nano(now)
    }

    static func rfc3339Nano(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let nanos = String(time.tv_nsec)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 9 - nanos.count) + nanos + "Z"
    }
}
