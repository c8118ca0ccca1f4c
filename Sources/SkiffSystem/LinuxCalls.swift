#if canImport(Glibc)
import Glibc
#endif

/// Linux calls that Swift's Glibc module does not import (they need `_GNU_SOURCE` or are variadic),
/// resolved once with `dlsym`.
package enum LinuxCalls {
    package static let cloneNewNet: Int32 = 0x4000_0000
    package static let prSetChildSubreaper: Int32 = 36

    private typealias SetnsFn = @convention(c) (Int32, Int32) -> Int32
    private typealias PrctlFn = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(dlopen(nil, RTLD_NOW), name)
    }

    private static let setnsFn: SetnsFn? = symbol("setns").map { unsafeBitCast($0, to: SetnsFn.self) }
    private static let prctlFn: PrctlFn? = symbol("prctl").map { unsafeBitCast($0, to: PrctlFn.self) }

    /// Moves the calling thread into the namespace referred to by `fd`.
    package static func setns(_ fd: Int32, _ type: Int32) -> Int32 {
        guard let setnsFn else { errno = ENOSYS; return -1 }
        return setnsFn(fd, type)
    }

    /// Makes this process the reaper of its orphaned descendants (like containerd-shim).
    package static func becomeChildSubreaper() -> Bool {
        guard let prctlFn else { return false }
        return prctlFn(prSetChildSubreaper, 1, 0, 0, 0) == 0
    }

    package static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
