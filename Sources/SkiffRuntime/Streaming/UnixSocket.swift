import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Unix stream sockets by path: the shim's attach endpoint and runc's console socket.
enum UnixSocket {
    /// Binds and listens on `path` (replacing a stale socket file); returns the listening descriptor.
    static func listen(path: String, backlog: Int32 = 8) throws(RuntimeError) -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var address = try self.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else { let code = errno; close(fd); throw .system("bind \(path)", code) }
        return fd
    }

    /// Connects to the socket at `path`; returns the connected descriptor.
    static func connect(path: String) throws(RuntimeError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var address: sockaddr_un
        do { address = try self.address(path) } catch { close(fd); throw error }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { let code = errno; close(fd); throw .system("connect \(path)", code) }
        return fd
    }

    private static func address(_ path: String) throws(RuntimeError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .invalidArgument("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return address
    }
}
