import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `lsetxattr(2)` / `lgetxattr(2)`, looked up at run time: Swift's Glibc module does not
/// export `<sys/xattr.h>`.
package enum ExtendedAttributes {
    private typealias SetFunction = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias GetFunction = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        // RTLD_DEFAULT is ((void *) 0) in glibc.
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
    }

    /// Sets `name` on `path` (not following a final symlink). Returns errno on failure.
    package static func set(_ name: String, value: String, on path: String) -> Int32? {
        guard let pointer = symbol("lsetxattr") else { return ENOSYS }
        let function = unsafeBitCast(pointer, to: SetFunction.self)
        let bytes = Array(value.utf8)
        let result = bytes.withUnsafeBytes { buffer in function(path, name, buffer.baseAddress, buffer.count, 0) }
        return result == 0 ? nil : errno
    }

    /// The value of `name` on `path`, nil when absent or unreadable.
    package static func get(_ name: String, of path: String) -> String? {
        guard let pointer = symbol("lgetxattr") else { return nil }
        let function = unsafeBitCast(pointer, to: GetFunction.self)
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBytes { function(path, name, $0.baseAddress, $0.count) }
        guard length >= 0 else { return nil }
        return String(decoding: buffer[..<length], as: UTF8.self)
    }
}
