import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Content-addressed blobs under `<root>/blobs/sha256/<hex>`, as in an OCI image layout.
///
/// A blob appears only under its verified digest and only whole: content is written to a
/// temporary file in `<root>/tmp`, hashed, and renamed into place (rename is atomic on one
/// file system), so a crash or a mismatch never leaves a partial blob. All methods block on
/// disk I/O; callers keep them off event loops.
package struct BlobStore: Sendable {
    package let root: String
    package var blobsDirectory: String { root + "/blobs/sha256" }
    package var temporaryDirectory: String { root + "/tmp" }

    package init(root: String) throws(ImageError) {
        self.root = root
        try ImageFiles.createDirectory(blobsDirectory)
        try ImageFiles.createDirectory(temporaryDirectory)
    }

    package func path(for digest: String) -> String { blobsDirectory + "/" + OCIDigest.hex(digest) }

    package func contains(_ digest: String) -> Bool {
        OCIDigest.isValid(digest) && FileManager.default.fileExists(atPath: path(for: digest))
    }

    package func read(_ digest: String) throws(ImageError) -> Data {
        guard OCIDigest.isValid(digest) else { throw .corrupt("invalid digest \(digest)") }
        guard let data = FileManager.default.contents(atPath: path(for: digest)) else {
            throw .corrupt("blob \(digest) is missing from the store")
        }
        return data
    }

    /// Stores `data`; when `expected` is given the content must hash to it.
    @discardableResult
    package func write(_ data: Data, expected: String? = nil) throws(ImageError) -> String {
        let digest = OCIDigest.of(data)
        if let expected, expected != digest { throw .digestMismatch(expected: expected, actual: digest) }
        if contains(digest) { return digest }
        let temporary = makeTemporaryPath()
        do { try data.write(to: URL(fileURLWithPath: temporary)) } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io("writing blob \(digest): \(error)")
        }
        try ImageFiles.rename(temporary, to: path(for: digest))
        return digest
    }

    /// Moves the file at `temporary` into the store under `expected`, after checking its digest
    /// (and size, when given). The file is removed whether or not it was accepted.
    package func ingest(file temporary: String, expected: String, expectedSize: Int64? = nil) throws(ImageError) {
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        guard OCIDigest.isValid(expected) else { throw .corrupt("invalid digest \(expected)") }
        let (actual, size) = try OCIDigest.ofFile(at: temporary)
        guard actual == expected else { throw .digestMismatch(expected: expected, actual: actual) }
        if let expectedSize, expectedSize != size {
            throw .corrupt("blob \(expected) has \(size) bytes, descriptor says \(expectedSize)")
        }
        if contains(expected) { return }
        try ImageFiles.rename(temporary, to: path(for: expected))
    }

    /// Copies `source` into the store under `expected`, verifying it.
    package func copy(file source: String, expected: String, expectedSize: Int64? = nil) throws(ImageError) {
        guard OCIDigest.isValid(expected) else { throw .corrupt("invalid digest \(expected)") }
        if contains(expected) { return }
        let temporary = makeTemporaryPath()
        do { try FileManager.default.copyItem(atPath: source, toPath: temporary) } catch {
            throw .corrupt("cannot read blob \(expected) at \(source): \(error)")
        }
        try ingest(file: temporary, expected: expected, expectedSize: expectedSize)
    }

    package func remove(_ digest: String) {
        guard OCIDigest.isValid(digest) else { return }
        try? FileManager.default.removeItem(atPath: path(for: digest))
    }

    /// Every digest in the store.
    package func allDigests() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: blobsDirectory)) ?? []
        return names.map { "sha256:" + $0 }.filter(OCIDigest.isValid)
    }

    /// A fresh path in the store's temporary directory (same file system as the blobs).
    package func makeTemporaryPath() -> String {
        temporaryDirectory + "/ingest-" + UUID().uuidString
    }
}

/// Small file-system helpers with `ImageError` errors.
package enum ImageFiles {
    /// Manifests and indexes: 4 MiB, containerd's `MaxManifestSize` and the size the OCI
    /// distribution spec says registries and clients should support.
    package static let maximumManifestBytes = 4 << 20
    /// Image configs: 4 MiB, as containers/image's `MaxConfigBodySize`.
    package static let maximumConfigBytes = 4 << 20

    /// `path` if it is a regular file whose real location is inside `directory`: an archive's
    /// member may be a symlink to `/dev/zero` or to a host file, which we must not read.
    package static func memberFile(_ path: String, inside directory: String) throws(ImageError) -> String {
        guard let realDirectory = realPath(directory), let real = realPath(path), real.hasPrefix(realDirectory + "/") else {
            throw .corrupt("archive member \(path) is missing or leaves the archive")
        }
        var info = stat()
        guard lstat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw .corrupt("archive member \(path) is not a regular file")
        }
        return real
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Reads a small JSON document from outside (a layout's index.json, an archive's
    /// manifest.json), refusing files over `limit` before reading them.
    package static func read(_ path: String, limit: Int, what: String) throws(ImageError) -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .corrupt("cannot read \(what)") }
        guard (info.st_mode & S_IFMT) == S_IFREG, info.st_size <= limit else {
            throw .corrupt("\(what) is larger than \(limit) bytes or not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= limit else {
            throw .corrupt("cannot read \(what)")
        }
        return data
    }

    package static func createDirectory(_ path: String) throws(ImageError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw .io("cannot create directory \(path): \(error)")
        }
    }

    /// Atomically replaces `destination` with `source` (rename(2)).
    package static func rename(_ source: String, to destination: String) throws(ImageError) {
        guard Glibc.rename(source, destination) == 0 else {
            let code = errno
            throw .io("cannot rename \(source) to \(destination): \(String(cString: strerror(code)))")
        }
    }

    /// Writes `data` to `path` atomically (temporary file in the same directory, then rename).
    package static func writeAtomically(_ data: Data, to path: String) throws(ImageError) {
        let temporary = path + ".tmp-" + UUID().uuidString
        do { try data.write(to: URL(fileURLWithPath: temporary)) } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io("writing \(path): \(error)")
        }
        // fsync so the rename never exposes an empty file after a crash.
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 { fsync(descriptor); close(descriptor) }
        try rename(temporary, to: path)
    }

    package static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
