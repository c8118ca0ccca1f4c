import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Files only the server's user may read (issue 15 §4): keys, tokens and the store are created
/// with their final mode from the first byte (O_CREAT|O_EXCL, no chmod-after-write window), and
/// appear under their name only complete (linked into place, never replacing what is there).
package enum PrivateFiles {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Creates `path` (mode 0700) if missing; returns a warning when an existing directory is
    /// readable, writable or searchable by group or others.
    package static func prepareDirectory(_ path: String) throws -> String? {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        if mkdir(path, 0o700) == 0 { return nil }
        let err = errno
        guard err == EEXIST else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(err)))") }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw Failure(description: "\(path) exists and is not a directory")
        }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            return "\(path) is accessible by other users (mode \(String(mode, radix: 8))): it holds keys, tokens and every Secret; run chmod 700 \(path)"
        }
        return nil
    }

    /// Creates the empty file `path` with mode 0600 unless it exists (e.g. the SQLite store,
    /// whose journal files SQLite then creates with the same mode).
    package static func touch(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd); return }
        let err = errno
        if err != EEXIST { throw Failure(description: "cannot create \(path): \(String(cString: strerror(err)))") }
    }

    /// Writes `contents` to `path` only if no file is there. The bytes go to a fresh temporary
    /// file (O_CREAT|O_EXCL, `mode`), which is then hard-linked to `path`: link(2) fails rather
    /// than replace, so readers see either no file or the complete one. Returns false when
    /// `path` already existed (its contents are kept).
    @discardableResult
    package static func createExclusive(_ path: String, contents: [UInt8], mode: mode_t = 0o600) throws -> Bool {
        let temporary = "\(path).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        var offset = 0
        while offset < contents.count {
            let n = contents[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced else { throw Failure(description: "cannot sync \(temporary)") }
        if link(temporary, path) == 0 { return true }
        let err = errno
        if err == EEXIST { return false }
        throw Failure(description: "cannot create \(path): \(String(cString: strerror(err)))")
    }

    /// Runs `body` holding an exclusive flock(2) on `lockPath` (created 0600), so two processes
    /// never create the same files at once.
    package static func withLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(description: "cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
