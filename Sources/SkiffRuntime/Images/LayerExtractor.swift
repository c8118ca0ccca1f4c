import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Extracts one (uncompressed) layer tar stream into a directory without ever writing outside it.
///
/// Layers come from registries and tarballs nobody vetted, and the runtime unpacks them as root,
/// so every entry is placed with `*at` calls relative to directory descriptors opened with
/// `O_NOFOLLOW` (containerd's rule, as its `archive` package does with securejoin):
/// - names are cleaned: leading `/` and `./` are dropped, and a name with a `..` component is
///   refused, so an entry cannot climb out of the layer;
/// - every parent component of an entry must be a real directory inside the layer: a symlink
///   there (`etc -> /etc`, then `etc/passwd`) fails the extraction instead of writing through it;
///   symlinks themselves are created as they are, whatever their target (they are resolved later
///   inside the container's root, never by us);
/// - hard links must name an earlier entry inside the layer, found the same way;
/// - character and block devices are skipped with a message (as rootless containerd and
///   Podman do): a layer has no business creating host device nodes, and the runtime gives
///   containers their /dev from the OCI spec;
/// - the layer's content (headers plus entry data) is capped at `maxBytes`, so a small
///   compressed blob of zeros cannot fill the disk; sparse entries are refused, so no entry's
///   apparent size can exceed what the stream carried.
/// Ownership (numeric), permission bits (including setuid) and modification times are kept, as
/// `tar --numeric-owner -xp` keeps them.
package struct LayerExtractor {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    /// Tar's special entries (GNU long names, PAX headers) are read into memory; Go's
    /// archive/tar caps them at 1 MiB too.
    static let maximumSpecialEntryBytes = 1 << 20

    let root: Int32
    let maxBytes: Int64
    package private(set) var skipped: [String] = []
    /// Whether the archive's end marker (a zero block) was read, rather than input just ending.
    private(set) var sawEndMarker = false
    private var directories: [(path: [String], header: Header)] = []

    /// `root` is an open directory descriptor; it stays owned by the caller.
    package init(root: Int32, maxBytes: Int64) {
        self.root = root
        self.maxBytes = maxBytes
    }

    struct Header {
        var name = ""
        var linkName = ""
        var type: UInt8 = 0
        var mode: UInt32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var size: Int64 = 0
        var mtime: Int64 = 0
        var mtimeNanoseconds = 0
    }

    /// Reads the whole archive from `source` and extracts it.
    package mutating func extract(from source: TarByteSource) throws(Failure) {
        var consumed: Int64 = 0
        var pax: [String: String] = [:]
        var longName: String?
        var longLink: String?
        while true {
            guard let block = try source.readBlock() else { break }  // EOF without the end marker: GNU tar accepts it
            if block.allSatisfy({ $0 == 0 }) {
                sawEndMarker = true
                break
            }
            consumed += 512
            var header = try Self.parseHeader(block)
            switch header.type {
            case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
                guard header.size <= Self.maximumSpecialEntryBytes else {
                    throw Failure("tar metadata entry of \(header.size) bytes is too large")
                }
                let padded = (header.size + 511) / 512 * 512
                consumed += padded
                let data = try source.read(Int(header.size))
                try source.skip(padded - header.size)
                switch header.type {
                case UInt8(ascii: "x"): pax = try Self.parsePAX(data)
                case UInt8(ascii: "L"): longName = Self.cString(data[...])
                case UInt8(ascii: "K"): longLink = Self.cString(data[...])
                default: break  // global PAX headers carry nothing we use
                }
                continue
            default:
                break
            }
            if let longName { header.name = longName }
            if let longLink { header.linkName = longLink }
            try Self.apply(pax, to: &header)
            if pax.keys.contains(where: { $0.hasPrefix("GNU.sparse.") }) {
                throw Failure("sparse tar entries are not supported (\(header.name))")
            }
            pax = [:]
            longName = nil
            longLink = nil
            // Checked before reading: an entry claiming more than the budget fails at once.
            let padded = (header.size + 511) / 512 * 512
            guard padded <= maxBytes - consumed else {
                throw Failure("layer content exceeds the limit of \(maxBytes) bytes (at \(header.name))")
            }
            consumed += padded
            try place(header, source: source, padded: padded)
        }
        try finishDirectories()
    }

    // MARK: - Placing entries

    private mutating func place(_ header: Header, source: TarByteSource, padded: Int64) throws(Failure) {
        let components = try Self.clean(header.name)
        let type = header.type
        if type == UInt8(ascii: "S") { throw Failure("sparse tar entries are not supported (\(header.name))") }
        guard let name = components.last else {
            // The layer root itself ("./"): keep its attributes for the end.
            if type == UInt8(ascii: "5") { directories.append(([], header)) }
            try source.skip(padded)
            return
        }
        let parent = try openParent(components.dropLast(), create: true)
        defer { close(parent) }
        switch type {
        case UInt8(ascii: "5"):
            if Self.kind(parent, name).map({ $0 != S_IFDIR }) == true { try removeExisting(parent, name, header.name) }
            if mkdirat(parent, name, 0o700) != 0 {
                guard errno == EEXIST, Self.kind(parent, name) == S_IFDIR else {
                    throw Failure("cannot create directory \(header.name): \(Self.errnoText())")
                }
            }
            directories.append((components, header))
            try source.skip(padded)
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
            try removeExisting(parent, name, header.name)
            let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw Failure("cannot create \(header.name): \(Self.errnoText())") }
            defer { close(fd) }
            try source.copy(header.size, to: fd, name: header.name)
            try source.skip(padded - header.size)
            try setAttributes(fd: fd, header)
        case UInt8(ascii: "2"):
            try removeExisting(parent, name, header.name)
            guard symlinkat(header.linkName, parent, name) == 0 else {
                throw Failure("cannot create symlink \(header.name): \(Self.errnoText())")
            }
            _ = fchownat(parent, name, header.uid, header.gid, AT_SYMLINK_NOFOLLOW)
            var times = Self.times(header)
            _ = utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW)
            try source.skip(padded)
        case UInt8(ascii: "1"):
            let target = try Self.clean(header.linkName)
            guard let targetName = target.last else { throw Failure("hard link \(header.name) to the layer root") }
            let targetParent = try openParent(target.dropLast(), create: false)
            defer { close(targetParent) }
            try removeExisting(parent, name, header.name)
            // Flags 0: a link to a symlink links the symlink itself, never what it points at.
            guard linkat(targetParent, targetName, parent, name, 0) == 0 else {
                throw Failure("cannot link \(header.name) to \(header.linkName): \(Self.errnoText())")
            }
            try source.skip(padded)
        case UInt8(ascii: "6"):
            try removeExisting(parent, name, header.name)
            guard mkfifoat(parent, name, 0o600) == 0 else { throw Failure("cannot create fifo \(header.name): \(Self.errnoText())") }
            let fd = openat(parent, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 {
                defer { close(fd) }
                try setAttributes(fd: fd, header)
            }
            try source.skip(padded)
        case UInt8(ascii: "3"), UInt8(ascii: "4"):
            skipped.append(header.name)
            try source.skip(padded)
        default:
            // Volume labels, vendor extensions: nothing to place.
            try source.skip(padded)
        }
    }

    /// Opens the directory `components` below the root, creating missing ones, refusing any
    /// component that is not a real directory (a symlink above an entry would redirect it).
    private func openParent(_ components: ArraySlice<String>, create: Bool) throws(Failure) -> Int32 {
        var current = dup(root)
        guard current >= 0 else { throw Failure("cannot open the layer directory: \(Self.errnoText())") }
        for component in components {
            var next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, create {
                if mkdirat(current, component, 0o755) != 0, errno != EEXIST {
                    close(current)
                    throw Failure("cannot create directory \(component): \(Self.errnoText())")
                }
                next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let failure = errno
            close(current)
            guard next >= 0 else {
                let path = components.joined(separator: "/")
                if failure == ELOOP || failure == ENOTDIR {
                    throw Failure("\(path) passes through a symlink or non-directory: refusing to write through it")
                }
                throw Failure("cannot open \(path): \(String(cString: strerror(failure)))")
            }
            current = next
        }
        return current
    }

    /// Entries later in a layer replace earlier ones (non-directories only), as tar does: the old
    /// name is unlinked, never followed.
    private func removeExisting(_ parent: Int32, _ name: String, _ path: String) throws(Failure) {
        switch Self.kind(parent, name) {
        case nil: return
        case S_IFDIR:
            if unlinkat(parent, name, AT_REMOVEDIR) != 0 {
                throw Failure("cannot replace directory \(path): \(Self.errnoText())")
            }
        default:
            if unlinkat(parent, name, 0) != 0 { throw Failure("cannot replace \(path): \(Self.errnoText())") }
        }
    }

    private func setAttributes(fd: Int32, _ header: Header) throws(Failure) {
        // chown first: it clears setuid/setgid, which the chmod then restores.
        if fchown(fd, header.uid, header.gid) != 0 { throw Failure("cannot chown \(header.name): \(Self.errnoText())") }
        if fchmod(fd, mode_t(header.mode & 0o7777)) != 0 { throw Failure("cannot chmod \(header.name): \(Self.errnoText())") }
        var times = Self.times(header)
        _ = futimens(fd, &times)
    }

    /// Directory attributes go last, children first, so writing entries does not bump an already
    /// restored mtime and a read-only directory does not block its own entries.
    private func finishDirectories() throws(Failure) {
        for (path, header) in directories.reversed() {
            let fd: Int32
            if let last = path.last {
                // A directory replaced later (even by a symlink) has nothing left to restore.
                guard let parent = try? openParent(path.dropLast(), create: false) else { continue }
                fd = openat(parent, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                close(parent)
            } else {
                fd = dup(root)
            }
            // Replaced by a later non-directory entry: nothing to restore.
            guard fd >= 0 else { continue }
            defer { close(fd) }
            try setAttributes(fd: fd, header)
        }
    }

    // MARK: - Parsing

    /// Splits a member name into components below the root: no leading `/`, no `.`, no `..`.
    static func clean(_ name: String) throws(Failure) -> [String] {
        var components: [String] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw Failure("tar entry \(name) leaves the layer (contains ..)") }
            components.append(String(part))
        }
        if name.utf8.contains(0) { throw Failure("tar entry name contains NUL") }
        return components
    }

    static func parseHeader(_ block: [UInt8]) throws(Failure) -> Header {
        // The checksum sums the header with its own field read as spaces.
        let stored = try number(block[148..<156])
        var sum: Int64 = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int64(byte) }
        guard stored == sum else { throw Failure("tar header checksum mismatch: not a tar archive, or a corrupt one") }
        var header = Header()
        let name = cString(block[0..<100])
        // Only POSIX ustar ("ustar\0") has the name prefix; old GNU headers keep times there.
        let isPOSIX = block[257..<263].elementsEqual([0x75, 0x73, 0x74, 0x61, 0x72, 0x00])
        let prefix = isPOSIX ? cString(block[345..<500]) : ""
        header.name = prefix.isEmpty ? name : prefix + "/" + name
        header.linkName = cString(block[157..<257])
        header.type = block[156]
        header.mode = UInt32(truncatingIfNeeded: try number(block[100..<108]))
        header.uid = try id(block[108..<116])
        header.gid = try id(block[116..<124])
        header.size = try number(block[124..<136])
        header.mtime = try number(block[136..<148])
        guard header.size >= 0 else { throw Failure("negative tar entry size") }
        return header
    }

    private static func id(_ field: ArraySlice<UInt8>) throws(Failure) -> UInt32 {
        let value = try number(field)
        guard value >= 0, value <= Int64(UInt32.max) else { throw Failure("tar owner id out of range") }
        return UInt32(value)
    }

    /// Octal (NUL/space padded) or base-256 (high bit set) numbers, never overflowing.
    static func number(_ field: ArraySlice<UInt8>) throws(Failure) -> Int64 {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            guard first == 0x80 else { throw Failure("negative or oversized base-256 number in tar header") }
            var value: Int64 = 0
            for byte in field.dropFirst() {
                guard value <= (Int64.max >> 8) else { throw Failure("number in tar header overflows") }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var started = false
        for byte in field {
            if byte == 0 || (byte == 32 && started) { break }
            if byte == 32 { continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { throw Failure("invalid octal number in tar header") }
            guard value <= (Int64.max >> 3) else { throw Failure("number in tar header overflows") }
            value = value << 3 | Int64(byte - UInt8(ascii: "0"))
            started = true
        }
        return value
    }

    static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// PAX extended header records: `"<length> <key>=<value>\n"`.
    static func parsePAX(_ data: [UInt8]) throws(Failure) -> [String: String] {
        var records: [String: String] = [:]
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: 32) else { throw Failure("malformed PAX header") }
            guard let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > space - index,
                  length <= data.count - index else { throw Failure("malformed PAX record length") }
            let record = data[(space + 1)..<(index + length)]
            guard record.last == 10, let equals = record.firstIndex(of: UInt8(ascii: "=")) else {
                throw Failure("malformed PAX record")
            }
            let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
            records[key] = String(decoding: record[(equals + 1)..<(record.endIndex - 1)], as: UTF8.self)
            index += length
        }
        return records
    }

    static func apply(_ pax: [String: String], to header: inout Header) throws(Failure) {
        if let path = pax["path"] { header.name = path }
        if let link = pax["linkpath"] { header.linkName = link }
        if let size = pax["size"] {
            guard let value = Int64(size), value >= 0 else { throw Failure("invalid PAX size \(size)") }
            header.size = value
        }
        if let uid = pax["uid"] {
            guard let value = UInt32(uid) else { throw Failure("invalid PAX uid \(uid)") }
            header.uid = value
        }
        if let gid = pax["gid"] {
            guard let value = UInt32(gid) else { throw Failure("invalid PAX gid \(gid)") }
            header.gid = value
        }
        if let mtime = pax["mtime"] {
            // "seconds[.fraction]": kept to the nanosecond, as tar does.
            let parts = mtime.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard let seconds = Int64(parts[0]) else { throw Failure("invalid PAX mtime \(mtime)") }
            header.mtime = seconds
            header.mtimeNanoseconds = 0
            if parts.count == 2 {
                let digits = String(parts[1].prefix(9))
                guard digits.allSatisfy(\.isASCII), let fraction = Int(digits.padding(toLength: 9, withPad: "0", startingAt: 0)), fraction >= 0 else {
                    throw Failure("invalid PAX mtime \(mtime)")
                }
                header.mtimeNanoseconds = seconds < 0 ? 0 : fraction
            }
        }
    }

    private static func kind(_ parent: Int32, _ name: String) -> mode_t? {
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    private static func times(_ header: Header) -> [timespec] {
        let time = timespec(tv_sec: Int(header.mtime), tv_nsec: header.mtimeNanoseconds)
        return [time, time]
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A blocking, buffered reader over a file descriptor (a layer file or a decompressor's stdout).
package final class TarByteSource {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0

    package init(fd: Int32) { self.fd = fd }

    private func fill() throws(LayerExtractor.Failure) -> Bool {
        if start < end { return true }
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw LayerExtractor.Failure("reading the layer: \(LayerExtractor.errnoText())") }
            start = 0
            end = count
            return count > 0
        }
    }

    /// The next 512-byte block, nil at a clean end of input.
    func readBlock() throws(LayerExtractor.Failure) -> [UInt8]? {
        guard try fill() else { return nil }
        return try read(512)
    }

    func read(_ count: Int) throws(LayerExtractor.Failure) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            guard try fill() else { throw LayerExtractor.Failure("unexpected end of the layer archive") }
            let take = min(count - out.count, end - start)
            out += buffer[start..<(start + take)]
            start += take
        }
        return out
    }

    func skip(_ count: Int64) throws(LayerExtractor.Failure) {
        var left = count
        while left > 0 {
            guard try fill() else { throw LayerExtractor.Failure("unexpected end of the layer archive") }
            let take = Int(min(left, Int64(end - start)))
            start += take
            left -= Int64(take)
        }
    }

    func copy(_ count: Int64, to output: Int32, name: String) throws(LayerExtractor.Failure) {
        var left = count
        while left > 0 {
            guard try fill() else { throw LayerExtractor.Failure("unexpected end of the layer archive in \(name)") }
            let take = Int(min(left, Int64(end - start)))
            var written = 0
            while written < take {
                let n = buffer.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + start + written, take - written) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw LayerExtractor.Failure("writing \(name): \(LayerExtractor.errnoText())") }
                written += n
            }
            start += take
            left -= Int64(take)
        }
    }
}
