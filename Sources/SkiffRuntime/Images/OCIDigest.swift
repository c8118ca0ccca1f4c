import Crypto
import Foundation

/// `sha256:<64 hex>` digests: validation and computation. Only sha256 is supported, as in
/// practically every registry; other algorithms are refused as invalid.
package enum OCIDigest {
    package static func isValid(_ digest: String) -> Bool {
        guard digest.hasPrefix("sha256:") else { return false }
        let hex = digest.dropFirst(7)
        return hex.count == 64 && hex.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// The hex part of a valid digest.
    package static func hex(_ digest: String) -> String { String(digest.dropFirst(7)) }

    package static func of(_ data: Data) -> String {
        "sha256:" + hexString(SHA256.hash(data: data))
    }

    /// Digest and size of a file, read in 1 MiB chunks (blocking; call off the event loop).
    package static func ofFile(at path: String) throws(ImageError) -> (digest: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io("cannot open \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                size += Int64(chunk.count)
            }
        } catch {
            throw .io("reading \(path): \(error)")
        }
        return ("sha256:" + hexString(hasher.finalize()), size)
    }

    static func hexString(_ digest: some Sequence<UInt8>) -> String {
        let table = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(table[Int(byte >> 4)])
            bytes.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
