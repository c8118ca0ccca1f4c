import Foundation
import SkiffSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The shim's live output endpoint (`attach.sock`): every connected client receives the container's
/// output as it is produced, framed as `[stream: 1 byte][length: 4 bytes big-endian][bytes]`
/// (stream 1 = stdout, 2 = stderr). The shim closes all clients when the container's output ends,
/// so a client's EOF means the container exited. Following the log file instead would lose output
/// written between a client's connect and its first read, and would split terminal output into lines.
final class AttachHub: Sendable {
    static let socketName = "attach.sock"
    /// A client that cannot take this much unread output is disconnected rather than stalling the container.
    static let clientBufferBytes: Int32 = 1 << 20

    /// Sent to each client once it is registered (an empty frame of stream 0).
    static let hello: [UInt8] = [0, 0, 0, 0, 0]

    private let path: String
    private let listener: Int32
    private let clients = Mutex<[Int32]?>([])

    init(directory: String) throws(RuntimeError) {
        path = directory + "/" + Self.socketName
        listener = try UnixSocket.listen(path: path)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var size = Self.clientBufferBytes
            setsockopt(client, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            // The hello frame tells the client it is registered: output after it reaches the client.
            let kept = clients.withLock { list -> Bool in
                guard list != nil, writeAll(client, Self.hello) else { return false }
                list!.append(client)
                return true
            }
            if !kept { close(client) }
        }
    }

    /// Sends one chunk to every client; clients that went away or fell too far behind are dropped.
    func broadcast(_ stream: OutputStreamKind, _ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        var frame = [UInt8](repeating: 0, count: 5)
        frame[0] = stream == .stdout ? 1 : 2
        let length = UInt32(bytes.count)
        for index in 0..<4 { frame[1 + index] = UInt8(truncatingIfNeeded: length >> (24 - 8 * index)) }
        frame.append(contentsOf: bytes)
        clients.withLock { list in
            guard let current = list, !current.isEmpty else { return }
            list = current.filter { fd in
                if writeAll(fd, frame) { return true }
                close(fd)
                return false
            }
        }
    }

    /// Ends every attachment and stops accepting new ones (the container's output is over).
    func closeAll() {
        let open = clients.withLock { list -> [Int32] in
            defer { list = nil }
            return list ?? []
        }
        unlink(path)
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    /// Client side: waits (up to `timeoutMilliseconds`) for the hello frame; false when the shim is not serving.
    static func awaitHello(_ fd: Int32, timeoutMilliseconds: Int32 = 10_000) -> Bool {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: hello.count)
        while received.count < hello.count {
            var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, timeoutMilliseconds) == 1 else { return false }
            let count = read(fd, &buffer, hello.count - received.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            received += buffer[0..<count]
        }
        return received == hello
    }

    /// Client side: reads frames from a connected attach socket until EOF, handing each to `deliver`.
    static func readFrames(_ fd: Int32, _ deliver: (OutputChunk) -> Void) {
        var pending: [UInt8] = []
        ProcessStreams.pump(fd) { bytes in
            pending += bytes
            var start = 0
            while pending.count - start >= 5 {
                let length = (start + 1..<start + 5).reduce(0) { ($0 << 8) | Int(pending[$1]) }
                guard pending.count - start - 5 >= length else { break }
                let stream: OutputStreamKind = pending[start] == 2 ? .stderr : .stdout
                deliver(OutputChunk(stream: stream, bytes: Array(pending[(start + 5)..<(start + 5 + length)])))
                start += 5 + length
            }
            pending.removeFirst(start)
        }
    }
}
