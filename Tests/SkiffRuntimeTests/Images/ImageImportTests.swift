import Foundation
import Testing
@testable import SkiffRuntime

@Suite("Importing images into the OCI image store", .timeLimit(.minutes(5)))
struct ImageImportTests {
    @Test("importing an OCI layout tarball records the image and unpacks its layer")
    func importTarball() async throws {
        try await withImageTestDirectory { directory in
            let built = try await OfflineBusyboxImage().writeTarball(to: directory + "/busybox.tar")
            let store = try OCIImageStore(root: directory + "/store")
            let images = try await store.importImage(from: directory + "/busybox.tar")
            #expect(images.count == 1)
            let image = try #require(images.first)
            #expect(image.id == built.configDigest)
            #expect(image.repoTags == ["docker.io/library/busybox:latest"])
            #expect(image.config.cmd == ["sh"])
            #expect(image.config.env.contains { $0.hasPrefix("PATH=") })
            #expect(image.layerDirectories.count == 1)
            let layer = try #require(image.layerDirectories.first)
            #expect(FileManager.default.isExecutableFile(atPath: layer + "/bin/busybox"))
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: layer + "/bin/sh") == "busybox")
            #expect(FileManager.default.fileExists(atPath: layer + "/etc/passwd"))
            #expect(try await store.imageStatus("busybox") == image)
            #expect(try await store.imageStatus(image.id) == image)
            #expect(try await store.imageStatus(String(image.id.dropFirst(7).prefix(12))) == image)
            #expect(try await store.listImages() == [image])
        }
    }

    @Test("importing a gzip'd tarball and a layout directory both work, and survive a new store instance")
    func importLayoutDirectoryAndGzip() async throws {
        try await withImageTestDirectory { directory in
            let builder = OfflineBusyboxImage(config: ImageConfig(entrypoint: ["/bin/echo"], cmd: ["hi"], exposedPorts: ["80/tcp"], labels: ["a": "b"]))
            try await builder.writeLayout(to: directory + "/layout", reference: "127.0.0.1:5000/test/echo:1")
            try await OfflineBusyboxImage().writeTarball(to: directory + "/busybox.tar.gz", gzip: true)
            let store = try OCIImageStore(root: directory + "/store")
            let fromDirectory = try #require(try await store.importImage(from: directory + "/layout").first)
            let fromGzip = try #require(try await store.importImage(from: directory + "/busybox.tar.gz").first)
            #expect(fromDirectory.repoTags == ["127.0.0.1:5000/test/echo:1"])
            #expect(fromDirectory.config.entrypoint == ["/bin/echo"])
            #expect(fromDirectory.config.exposedPorts == ["80/tcp"])
            #expect(fromDirectory.config.labels == ["a": "b"])
            #expect(fromGzip.repoTags == ["docker.io/library/busybox:latest"])

            let reopened = try OCIImageStore(root: directory + "/store")
            #expect(Set(try await reopened.listImages().map(\.id)) == [fromDirectory.id, fromGzip.id])
            #expect(try await reopened.imageStatus("127.0.0.1:5000/test/echo:1") == fromDirectory)
        }
    }

    @Test("a docker save archive imports with its repo tags")
    func importDockerSave() async throws {
        try await withImageTestDirectory { directory in
            let layer = try OfflineBusyboxImage().baseLayer().bytes()
            let configuration = OCIImageConfiguration(
                config: .init(Env: ["PATH=/bin"], Cmd: ["sh", "-c", "echo saved"]),
                rootfs: .init(diff_ids: [OCIDigest.of(layer)])
            )
            let manifest = #"[{"Config":"cfg.json","RepoTags":["saved/busybox:2"],"Layers":["abc/layer.tar"]}]"#
            let archive = TarArchive([
                .file(path: "manifest.json", contents: Data(manifest.utf8)),
                .file(path: "cfg.json", contents: try JSONEncoder.encodeImageJSON(configuration)),
                .directory(path: "abc"),
                .file(path: "abc/layer.tar", contents: layer),
            ])
            try archive.bytes().write(to: URL(fileURLWithPath: directory + "/saved.tar"))
            let store = try OCIImageStore(root: directory + "/store")
            let image = try #require(try await store.importImage(from: directory + "/saved.tar").first)
            #expect(image.repoTags == ["docker.io/saved/busybox:2"])
            #expect(image.config.cmd == ["sh", "-c", "echo saved"])
            #expect(FileManager.default.isExecutableFile(atPath: image.layerDirectories[0] + "/bin/busybox"))
        }
    }

    @Test("OCI whiteouts become an overlayfs char device and opaque xattr")
    func whiteouts() async throws {
        try await withImageTestDirectory { directory in
            try await OfflineBusyboxImage().adding(layer: imageTestWhiteoutLayer).writeLayout(to: directory + "/layout", reference: "test/layered:1")
            let store = try OCIImageStore(root: directory + "/store")
            let image = try #require(try await store.importImage(from: directory + "/layout").first)
            #expect(image.layerDirectories.count == 2)
            let upper = image.layerDirectories[1]
            let wget = try #require(imageTestFileStatus(upper + "/bin/wget"))
            #expect(wget.mode & UInt32(S_IFMT) == UInt32(S_IFCHR))
            #expect(wget.device == 0)
            #expect(!FileManager.default.fileExists(atPath: upper + "/bin/.wh.wget"))
            #expect(imageTestExtendedAttribute("trusted.overlay.opaque", of: upper + "/etc") == "y")
            #expect(!FileManager.default.fileExists(atPath: upper + "/etc/.wh..wh..opq"))
            #expect(FileManager.default.fileExists(atPath: upper + "/etc/hostname"))
            #expect(imageTestExtendedAttribute("trusted.overlay.opaque", of: image.layerDirectories[0] + "/etc") == nil)
        }
    }

    @Test("two images sharing a layer unpack it once and removing one keeps it")
    func sharedLayers() async throws {
        try await withImageTestDirectory { directory in
            let base = try await OfflineBusyboxImage().writeLayout(to: directory + "/base", reference: "test/base:1")
            let layered = try await OfflineBusyboxImage().adding(layer: imageTestWhiteoutLayer).writeLayout(to: directory + "/layered", reference: "test/layered:1")
            #expect(base.layerDigests[0] == layered.layerDigests[0])
            let store = try OCIImageStore(root: directory + "/store")
            let first = try #require(try await store.importImage(from: directory + "/base").first)
            // A marker shows whether the shared layer directory is unpacked again.
            let marker = first.layerDirectories[0] + "/.skiff-test-marker"
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
            let second = try #require(try await store.importImage(from: directory + "/layered").first)
            #expect(second.layerDirectories[0] == first.layerDirectories[0])
            #expect(FileManager.default.fileExists(atPath: marker))
            #expect(imageTestDirectoryEntries(directory + "/store/layers").count == 2)

            try await store.removeImage("test/layered:1")
            #expect(try await store.imageStatus("test/layered:1") == nil)
            #expect(FileManager.default.fileExists(atPath: marker))
            #expect(!FileManager.default.fileExists(atPath: second.layerDirectories[1]))
            #expect(try await store.listImages() == [first])

            try await store.removeImage(first.id)
            #expect(try await store.listImages().isEmpty)
            #expect(imageTestDirectoryEntries(directory + "/store/layers").isEmpty)
            #expect(imageTestDirectoryEntries(directory + "/store/blobs/sha256").isEmpty)
        }
    }

    @Test("a layer that does not match its digest is refused and leaves nothing behind")
    func corruptLayer() async throws {
        try await withImageTestDirectory { directory in
            let built = try await OfflineBusyboxImage().writeLayout(to: directory + "/layout")
            try corruptImageTestFile(at: directory + "/layout/blobs/sha256/" + built.layerDigests[0].dropFirst(7))
            let store = try OCIImageStore(root: directory + "/store")
            await #expect {
                try await store.importImage(from: directory + "/layout")
            } throws: { error in
                guard case .digestMismatch(let expected, _) = error as? ImageError else { return false }
                return expected == built.layerDigests[0]
            }
            #expect(try await store.listImages().isEmpty)
            #expect(imageTestDirectoryEntries(directory + "/store/blobs/sha256").isEmpty)
            #expect(imageTestDirectoryEntries(directory + "/store/layers").isEmpty)
            #expect(imageTestDirectoryEntries(directory + "/store/tmp").isEmpty)
        }
    }

    @Test("an unknown image has no status and removing it throws notFound")
    func unknownImage() async throws {
        try await withImageTestDirectory { directory in
            let store = try OCIImageStore(root: directory + "/store")
            #expect(try await store.imageStatus("nothing/here:1") == nil)
            #expect(try await store.imageStatus("sha256:" + String(repeating: "0", count: 64)) == nil)
            await #expect(throws: ImageError.notFound("nothing/here:1")) { try await store.removeImage("nothing/here:1") }
            #expect(ImageError.notFound("nothing/here:1").description == "image not found: nothing/here:1")
        }
    }

    @Test("a file that is no image archive is refused as corrupt")
    func notAnArchive() async throws {
        try await withImageTestDirectory { directory in
            _ = FileManager.default.createFile(atPath: directory + "/junk.tar", contents: Data("not a tar".utf8))
            let store = try OCIImageStore(root: directory + "/store")
            await #expect {
                try await store.importImage(from: directory + "/junk.tar")
            } throws: { error in
                if case .corrupt = error as? ImageError { return true }
                return false
            }
        }
    }
}
