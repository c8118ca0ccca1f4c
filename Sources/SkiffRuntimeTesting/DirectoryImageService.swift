import Foundation
import SkiffRuntime
import SkiffSystem

/// A test double for `ImageService` that serves one image, `reference`, whose single layer is a directory
/// built in code from the host's static busybox (`/bin/busybox`, Debian `busybox-static`) with one
/// symlink per applet. Pull and import of any other reference throw `notFound`.
public struct DirectoryImageService: ImageService {
    public let reference: String
    public let layerDirectory: String
    public let config: ImageConfig

    /// Builds the layer under `directory` (created if needed). Throws when busybox is missing.
    public init(directory: String, reference: String = "skiff.test/busybox:latest", busybox: String = "/bin/busybox") throws {
        self.reference = reference
        self.layerDirectory = directory + "/layer"
        self.config = ImageConfig(
            entrypoint: [], cmd: ["sh"], env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            workingDir: "/")
        try Self.buildLayer(at: layerDirectory, busybox: busybox)
    }

    static func buildLayer(at root: String, busybox: String) throws {
        let files = FileManager.default
        guard files.fileExists(atPath: busybox) else {
            throw RuntimeError.notFound(kind: "file", id: busybox)
        }
        if files.fileExists(atPath: root + "/bin/busybox") { return }
        for dir in ["bin", "etc", "proc", "sys", "dev", "tmp", "root", "var", "usr/bin", "sbin", "www"] {
            try files.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        try files.copyItem(atPath: busybox, toPath: root + "/bin/busybox")
        let list = try Self.applets(busybox)
        for applet in list where applet != "busybox" {
            try? files.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
            .write(toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nnogroup:x:65534:\n".write(toFile: root + "/etc/group", atomically: true, encoding: .utf8)
        try "hello from skiff\n".write(toFile: root + "/www/index.html", atomically: true, encoding: .utf8)
        chmod(root + "/tmp", 0o1777)
    }

    private static func applets(_ busybox: String) throws -> [String] {
        let output = try ChildProcess.runBlocking([busybox, "--list"])
        return output.stdoutText.split(separator: "\n").map(String.init)
    }

    private var record: ImageRecord {
        ImageRecord(id: "sha256:" + String(repeating: "0", count: 64), repoTags: [reference], repoDigests: [], size: 1_000_000,
                    config: config, layerDirectories: [layerDirectory])
    }

    public func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws -> ImageRecord {
        guard reference == self.reference else { throw RuntimeError.notFound(kind: "image", id: reference) }
        return record
    }
    public func importImage(from path: String) async throws -> [ImageRecord] {
        throw RuntimeError.invalidArgument("DirectoryImageService cannot import \(path)")
    }
    public func imageStatus(_ reference: String) async throws -> ImageRecord? {
        reference == self.reference || reference == record.id ? record : nil
    }
    public func listImages() async throws -> [ImageRecord] { [record] }
    public func removeImage(_ reference: String) async throws {}
}
