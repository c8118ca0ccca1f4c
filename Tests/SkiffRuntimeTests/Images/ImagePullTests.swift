import Foundation
import Testing
@testable import SkiffRuntime

@Suite("Pulling images from a real registry (docker-registry on loopback)", .timeLimit(.minutes(5)))
struct ImagePullTests {
    @Test("a pushed image pulls with its config, layers, tag and repo digest")
    func pull() async throws {
        try await withImageTestDirectory { directory in
            try await withImageTestRegistry { registry in
                let built = try await OfflineBusyboxImage().adding(layer: imageTestWhiteoutLayer).writeLayout(to: directory + "/layout")
                let manifestDigest = try await registry.push(layoutDirectory: directory + "/layout", repository: "test/busybox", tag: "1")
                #expect(manifestDigest == built.manifestDigest)

                let store = try OCIImageStore(root: directory + "/store")
                let reference = "\(registry.host)/test/busybox:1"
                let image = try await store.pullImage(reference, credentials: nil)
                #expect(image.id == built.configDigest)
                #expect(image.repoTags == [reference])
                #expect(image.repoDigests == ["\(registry.host)/test/busybox@\(built.manifestDigest)"])
                #expect(image.config.cmd == ["sh"])
                #expect(image.layerDirectories.count == 2)
                #expect(FileManager.default.isExecutableFile(atPath: image.layerDirectories[0] + "/bin/busybox"))
                #expect(imageTestFileStatus(image.layerDirectories[1] + "/bin/wget").map { $0.mode & UInt32(S_IFMT) } == UInt32(S_IFCHR))
                for digest in [built.configDigest, built.manifestDigest] + built.layerDigests {
                    #expect(FileManager.default.fileExists(atPath: directory + "/store/blobs/sha256/" + digest.dropFirst(7)))
                }
                #expect(try await store.imageStatus("\(registry.host)/test/busybox@\(built.manifestDigest)") == image)

                // Pulling again by digest finds everything present and names the same image.
                let again = try await store.pullImage("\(registry.host)/test/busybox@\(built.manifestDigest)", credentials: nil)
                #expect(again.id == image.id)
                #expect(try await store.listImages().count == 1)
            }
        }
    }

    @Test("an index is resolved to its linux/amd64 manifest")
    func pullIndex() async throws {
        try await withImageTestDirectory { directory in
            try await withImageTestRegistry { registry in
                let amd64 = try await OfflineBusyboxImage().writeLayout(to: directory + "/amd64")
                let other = try await OfflineBusyboxImage(config: ImageConfig(cmd: ["other"])).writeLayout(to: directory + "/other")
                try await registry.push(layoutDirectory: directory + "/amd64", repository: "test/multi", tag: "amd64")
                try await registry.push(layoutDirectory: directory + "/other", repository: "test/multi", tag: "other")
                func descriptor(_ built: BuiltImage, _ layout: String, arch: String) throws -> OCIDescriptor {
                    let size = try FileManager.default.attributesOfItem(atPath: layout + "/blobs/sha256/" + built.manifestDigest.dropFirst(7))[.size] as? Int ?? 0
                    return OCIDescriptor(mediaType: OCIMediaType.imageManifest, digest: built.manifestDigest, size: Int64(size), platform: OCIPlatform(architecture: arch, os: "linux"))
                }
                let index = OCIIndex(manifests: [
                    try descriptor(other, directory + "/other", arch: "arm64"),
                    try descriptor(amd64, directory + "/amd64", arch: "amd64"),
                ])
                let indexData = try JSONEncoder.encodeImageJSON(index)
                try await registry.putManifest(indexData, mediaType: OCIMediaType.imageIndex, repository: "test/multi", reference: "latest")

                let store = try OCIImageStore(root: directory + "/store")
                let image = try await store.pullImage("\(registry.host)/test/multi", credentials: nil)
                #expect(image.id == amd64.configDigest)
                #expect(image.repoDigests == ["\(registry.host)/test/multi@\(OCIDigest.of(indexData))"])
                #expect(try await store.imageStatus("\(registry.host)/test/multi@\(amd64.manifestDigest)") == image)
            }
        }
    }

    @Test("an unknown repository on the registry fails with notFound naming it")
    func unknownRepository() async throws {
        try await withImageTestDirectory { directory in
            try await withImageTestRegistry { registry in
                let store = try OCIImageStore(root: directory + "/store")
                let reference = "\(registry.host)/no/such-image:1"
                await #expect {
                    try await store.pullImage(reference, credentials: nil)
                } throws: { error in
                    guard case .notFound(let message) = error as? ImageError else { return false }
                    return message.hasPrefix(reference)
                }
                #expect(try await store.listImages().isEmpty)
            }
        }
    }

    @Test("a layer the registry serves corrupted is refused with digestMismatch and nothing is kept")
    func corruptLayer() async throws {
        try await withImageTestDirectory { directory in
            try await withImageTestRegistry { registry in
                let built = try await OfflineBusyboxImage().writeLayout(to: directory + "/layout")
                try await registry.push(layoutDirectory: directory + "/layout", repository: "test/corrupt", tag: "1")
                try corruptImageTestFile(at: registry.blobDataPath(built.layerDigests[0]))

                let store = try OCIImageStore(root: directory + "/store")
                await #expect {
                    try await store.pullImage("\(registry.host)/test/corrupt:1", credentials: nil)
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
    }
}
