import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Unpacks layer blobs into `<root>/layers/<digest hex>/`, once per layer, in the form
/// overlayfs expects for a lowerdir.
///
/// Unpacking goes to a temporary directory that is renamed into place when complete, so a
/// layer directory either exists whole or not at all. OCI whiteouts become overlayfs ones:
/// `.wh..wh..opq` → xattr `trusted.overlay.opaque=y` on its directory, `.wh.NAME` → a 0/0
/// character device `NAME`. Needs root (mknod, trusted.* xattrs, ownership).
///
/// Extraction is `LayerExtractor`'s (no entry lands outside the layer directory; device nodes
/// are skipped), with the decompressed content of one layer capped at `maxLayerBytes`.
package struct LayerUnpacker: Sendable {
    /// Default cap on one layer's uncompressed content: 8 GiB, well above the largest layers of
    /// common images (CUDA and ML base images stay under ~6 GiB per layer), small enough that a
    /// compressed bomb stops long before it fills a node's disk. containerd has no such cap.
    package static let defaultMaxLayerBytes: Int64 = 8 << 30

    package let layersDirectory: String
    package let maxLayerBytes: Int64

    package init(layersDirectory: String, maxLayerBytes: Int64 = LayerUnpacker.defaultMaxLayerBytes) throws(ImageError) {
        self.layersDirectory = layersDirectory
        self.maxLayerBytes = maxLayerBytes
        try ImageFiles.createDirectory(layersDirectory)
    }

    package func directory(for digest: String) -> String { layersDirectory + "/" + OCIDigest.hex(digest) }

    package func isUnpacked(_ digest: String) -> Bool { ImageFiles.isDirectory(directory(for: digest)) }

    /// Unpacks the layer blob at `blobPath` (plain, gzip or zstd tar), unless already unpacked.
    /// Returns the layer directory.
    @discardableResult
    package func unpack(blobPath: String, digest: String) async throws(ImageError) -> String {
        let final = directory(for: digest)
        if ImageFiles.isDirectory(final) { return final }
        let temporary = layersDirectory + "/.unpack-" + UUID().uuidString
        try ImageFiles.createDirectory(temporary)
        do {
            let skipped = try await Self.extract(blobPath, compression: try Self.compression(of: blobPath),
                                                 into: temporary, maxBytes: maxLayerBytes)
            if !skipped.isEmpty {
                let names = skipped.prefix(5).joined(separator: ", ") + (skipped.count > 5 ? ", …" : "")
                FileHandle.standardError.write(Data("skiff: layer \(digest): skipped \(skipped.count) device node(s): \(names)\n".utf8))
            }
            try await Self.convertWhiteouts(in: temporary)
            if ImageFiles.isDirectory(final) {
                // Another pull unpacked the same layer meanwhile; keep theirs.
                try? FileManager.default.removeItem(atPath: temporary)
            } else {
                try ImageFiles.rename(temporary, to: final)
            }
            return final
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if case .io(let message) = error { throw .corrupt("cannot unpack layer \(digest): \(message)") }
            throw error
        }
    }

    package func remove(_ digest: String) {
        try? FileManager.default.removeItem(atPath: directory(for: digest))
    }

    /// Digests of every unpacked layer.
    package func unpackedDigests() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layersDirectory)) ?? []
        return names.map { "sha256:" + $0 }.filter(OCIDigest.isValid)
    }

    /// Leftovers of unpacks interrupted by a crash.
    package func removeInterruptedUnpacks() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layersDirectory)) ?? []
        for name in names where name.hasPrefix(".unpack-") {
            try? FileManager.default.removeItem(atPath: layersDirectory + "/" + name)
        }
    }

    enum Compression { case none, gzip, zstd }

    /// Extracts the layer at `blobPath` into `directory` on a thread of its own (blocking I/O),
    /// decompressing through `gzip`/`zstd` when needed. Returns the device entries skipped.
    static func extract(_ blobPath: String, compression: Compression, into directory: String,
                        maxBytes: Int64) async throws(ImageError) -> [String] {
        let result: Result<[String], ImageError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: extractBlocking(blobPath, compression: compression, into: directory, maxBytes: maxBytes))
            }
        }
        return try result.get()
    }

    private static func extractBlocking(_ blobPath: String, compression: Compression, into directory: String,
                                        maxBytes: Int64) -> Result<[String], ImageError> {
        let root = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return .failure(.io("cannot open \(directory): \(errnoText())")) }
        defer { close(root) }
        var extractor = LayerExtractor(root: root, maxBytes: maxBytes)
        if compression == .none {
            let fd = open(blobPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return .failure(.io("cannot open \(blobPath): \(errnoText())")) }
            defer { close(fd) }
            do throws(LayerExtractor.Failure) { try extractor.extract(from: TarByteSource(fd: fd)) } catch {
                return .failure(.corrupt(error.description))
            }
            return .success(extractor.skipped)
        }
        let decompressor = compression == .gzip ? "/usr/bin/gzip" : "/usr/bin/zstd"
        let argv = [decompressor] + (compression == .gzip ? ["-dc", blobPath] : ["-dcq", blobPath])
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        let output: Pipe2, pid: pid_t
        do throws(ProcessError) {
            output = try Pipe2.make()
            do { pid = try ChildProcess.spawn(argv, files: [(0, devNull), (1, output.write), (2, devNull)]) } catch {
                output.closeBoth()
                throw error
            }
        } catch { return .failure(.io("cannot run the decompressor: \(error)")) }
        close(output.write)
        var failure: LayerExtractor.Failure?
        do throws(LayerExtractor.Failure) { try extractor.extract(from: TarByteSource(fd: output.read)) } catch { failure = error }
        // Whatever follows the end-of-archive marker is padding: stop the decompressor instead of
        // reading it (the blob's digest was verified, so the rest cannot hide corruption). It is
        // not reaped yet, so the pid is still ours to signal.
        if extractor.sawEndMarker || failure != nil { kill(pid, SIGTERM) }
        close(output.read)
        let status = ChildProcess.waitForExit(pid)
        if let failure { return .failure(.corrupt(failure.description)) }
        if !extractor.sawEndMarker, status != 0 {
            return .failure(.corrupt("the layer does not decompress (\((decompressor as NSString).lastPathComponent) exited with \(status))"))
        }
        return .success(extractor.skipped)
    }

    /// Compression from the magic bytes: media types lie more often than content does.
    static func compression(of path: String) throws(ImageError) -> Compression {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io("cannot open \(path)") }
        defer { try? handle.close() }
        let magic = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        if magic.starts(with: [0x1f, 0x8b]) { return .gzip }
        if magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        return .none
    }

    /// Rewrites OCI whiteout files under `root` as overlayfs whiteouts.
    static func convertWhiteouts(in root: String) async throws(ImageError) {
        // find(1) does not follow symlinks, so a hostile layer cannot point us outside `root`.
        let output = try await ImageSubprocess.run("/usr/bin/find", [root, "-name", ".wh.*", "-print0"])
        let paths = output.stdout.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        for path in paths {
            let url = URL(fileURLWithPath: path)
            let name = url.lastPathComponent
            let parent = url.deletingLastPathComponent().path
            guard unlink(path) == 0 else { throw .io("cannot remove whiteout \(path): \(errnoText())") }
            if name == ".wh..wh..opq" {
                if let code = LayerExtendedAttributes.set("trusted.overlay.opaque", value: "y", on: parent) {
                    throw .io("cannot mark \(parent) opaque: \(String(cString: strerror(code)))")
                }
            } else if !name.hasPrefix(".wh..wh.") {
                let target = parent + "/" + String(name.dropFirst(4))
                // A layer may carry both the whiteout and (wrongly) the file; the whiteout wins.
                if access(target, F_OK) == 0 || isSymlink(target) {
                    try? FileManager.default.removeItem(atPath: target)
                }
                guard mknod(target, S_IFCHR | 0o000, 0) == 0 else {
                    throw .io("cannot create whiteout device \(target): \(errnoText())")
                }
            }
        }
    }

    private static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
