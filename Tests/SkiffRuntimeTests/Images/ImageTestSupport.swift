import Foundation
@testable import SkiffRuntime
import SkiffRuntimeTesting

/// A fresh directory for one test, removed afterwards even when the body throws.
func withImageTestDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.path + "/skiff-image-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A running loopback registry for one test, stopped afterwards even when the body throws.
func withImageTestRegistry<T>(_ body: (LocalRegistry) async throws -> T) async throws -> T {
    let registry = try await LocalRegistry.start()
    do {
        let result = try await body(registry)
        await registry.stop()
        return result
    } catch {
        await registry.stop()
        throw error
    }
}

/// Names of the entries of a directory (empty when it does not exist).
func imageTestDirectoryEntries(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

/// Flips the bytes of a file in the middle, keeping its size.
func corruptImageTestFile(at path: String) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    let middle = data.count / 2
    for index in middle..<min(middle + 16, data.count) { data[index] ^= 0xff }
    try data.write(to: URL(fileURLWithPath: path))
}

/// A second layer exercising whiteouts: deletes /bin/wget, makes /etc opaque with a new
/// hostname file, and adds a file.
let imageTestWhiteoutLayer = TarArchive([
    .whiteout(path: "bin/wget"),
    .directory(path: "etc"),
    .opaqueDirectory(directory: "etc"),
    .file(path: "etc/hostname", contents: Data("layered\n".utf8)),
    .directory(path: "app"),
    .file(path: "app/hello.txt", contents: Data("hello\n".utf8)),
])

/// The mode bits and device of a path, without following symlinks.
func imageTestFileStatus(_ path: String) -> (mode: UInt32, device: UInt64)? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return (UInt32(info.st_mode), UInt64(info.st_rdev))
}

/// The value of an extended attribute, nil when absent.
func imageTestExtendedAttribute(_ name: String, of path: String) -> String? {
    LayerExtendedAttributes.get(name, of: path)
}
