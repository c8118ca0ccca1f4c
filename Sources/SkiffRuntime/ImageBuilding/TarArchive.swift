import Foundation

/// One entry of a tar archive built in code.
public enum TarEntry: Sendable, Equatable {
    case directory(path: String, mode: UInt32 = 0o755)
    case file(path: String, contents: Data, mode: UInt32 = 0o644)
    case symlink(path: String, target: String)
    /// An OCI whiteout: deletes `path` (from lower layers) when layered on top.
    case whiteout(path: String)
    /// An OCI opaque-directory marker: hides everything lower layers put in `directory`.
    case opaqueDirectory(directory: String)

    var path: String {
        switch self {
        case .directory(let path, _), .file(let path, _, _), .symlink(let path, _), .whiteout(let path): path
        case .opaqueDirectory(let directory): directory
        }
    }
}

/// A tiny POSIX ustar writer: enough for image layers and layout tarballs built in code.
/// Entries are owned by 0:0 with mtime 0, so the same entries always give the same bytes
/// (and digests).
public struct TarArchive: Sendable {
    public private(set) var entries: [TarEntry] = []

    public init(_ entries: [TarEntry] = []) { self.entries = entries }

    public mutating func append(_ entry: TarEntry) { entries.append(entry) }

    /// The archive bytes (uncompressed). Throws for names longer than ustar can store.
    public func bytes() throws(ImageError) -> Data {
        var output = Data()
        for entry in entries {
            let path = Self.relative(entry.path)
            switch entry {
            case .directory(_, let mode):
                output.append(try Self.header(name: path.hasSuffix("/") ? path : path + "/", mode: mode, size: 0, type: "5"))
            case .file(_, let contents, let mode):
                output.append(try Self.header(name: path, mode: mode, size: contents.count, type: "0"))
                output.append(contents)
                output.append(Data(count: (512 - contents.count % 512) % 512))
            case .symlink(_, let target):
                output.append(try Self.header(name: path, mode: 0o777, size: 0, type: "2", linkName: target))
            case .whiteout:
                let url = URL(fileURLWithPath: "/" + path)
                let parent = Self.relative(url.deletingLastPathComponent().path)
                let name = (parent.isEmpty ? "" : parent + "/") + ".wh." + url.lastPathComponent
                output.append(try Self.header(name: name, mode: 0o644, size: 0, type: "0"))
            case .opaqueDirectory:
                let name = (path.isEmpty ? "" : path + "/") + ".wh..wh..opq"
                output.append(try Self.header(name: name, mode: 0o644, size: 0, type: "0"))
            }
        }
        output.append(Data(count: 1024))
        return output
    }

    private static func relative(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasPrefix("./") { trimmed = trimmed.dropFirst(2) }
        return String(trimmed)
    }

    private static func header(name: String, mode: UInt32, size: Int, type: Character, linkName: String = "") throws(ImageError) -> Data {
        var block = [UInt8](repeating: 0, count: 512)
        var nameBytes = Array(name.utf8)
        var prefixBytes: [UInt8] = []
        if nameBytes.count > 100 {
            // ustar splits long names at a slash into prefix (155) and name (100).
            guard let split = nameBytes.indices.reversed().first(where: { nameBytes[$0] == UInt8(ascii: "/") && $0 <= 155 && nameBytes.count - $0 - 1 <= 100 }) else {
                throw .io("tar entry name too long: \(name)")
            }
            prefixBytes = Array(nameBytes[..<split])
            nameBytes = Array(nameBytes[(split + 1)...])
        }
        let linkBytes = Array(linkName.utf8)
        guard linkBytes.count <= 100 else { throw .io("tar link target too long: \(linkName)") }
        func put(_ bytes: [UInt8], at offset: Int) { block.replaceSubrange(offset..<offset + bytes.count, with: bytes) }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(nameBytes, at: 0)
        put(octal(Int(mode), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        put([type.asciiValue ?? UInt8(ascii: "0")], at: 156)
        put(linkBytes, at: 157)
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("root".utf8), at: 265)
        put(Array("root".utf8), at: 297)
        put(prefixBytes, at: 345)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(Array(String(format: "%06o", checksum).utf8) + [0, UInt8(ascii: " ")], at: 148)
        return Data(block)
    }
}

extension Data {
    /// gzip-compressed copy (via gzip(1), `-n` so the output depends only on the input).
    static func gzipped(_ data: Data) async throws(ImageError) -> Data {
        let directory = FileManager.default.temporaryDirectory.path + "/skiff-gzip-" + UUID().uuidString
        try ImageFiles.createDirectory(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/data"
        do { try data.write(to: URL(fileURLWithPath: path)) } catch { throw .io("writing \(path): \(error)") }
        try await ImageSubprocess.run("/usr/bin/gzip", ["-n", "-6", path])
        guard let compressed = FileManager.default.contents(atPath: path + ".gz") else { throw .io("gzip produced no output") }
        return compressed
    }
}
