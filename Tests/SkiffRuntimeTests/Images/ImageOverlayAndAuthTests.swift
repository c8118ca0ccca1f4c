import Foundation
import Testing
@testable import SkiffRuntime
import SkiffRuntimeTesting

@Suite("Unpacked layers as overlayfs lowerdirs", .timeLimit(.minutes(5)))
struct ImageOverlayTests {
    @Test("mounting an image's layers with overlayfs applies whiteouts and opaque directories")
    func overlayMount() async throws {
        try await withImageTestDirectory { directory in
            try await OfflineBusyboxImage().adding(layer: imageTestWhiteoutLayer).writeLayout(to: directory + "/layout", reference: "test/layered:1")
            let store = try OCIImageStore(root: directory + "/store")
            let image = try #require(try await store.importImage(from: directory + "/layout").first)
            let merged = directory + "/merged"
            try FileManager.default.createDirectory(atPath: merged, withIntermediateDirectories: true)
            // overlayfs lists the highest layer first.
            let lowerdirs = image.layerDirectories.reversed().joined(separator: ":")
            try await ImageSubprocess.run("/usr/bin/mount", ["-t", "overlay", "overlay", "-o", "lowerdir=\(lowerdirs)", merged])
            defer { _ = umount2(merged, Int32(MNT_DETACH)) }
            #expect(FileManager.default.isExecutableFile(atPath: merged + "/bin/busybox"))
            #expect(imageTestFileStatus(merged + "/bin/sh") != nil)
            #expect(imageTestFileStatus(merged + "/bin/wget") == nil)
            #expect(imageTestDirectoryEntries(merged + "/etc") == ["hostname"])
            #expect(FileManager.default.contents(atPath: merged + "/app/hello.txt") == Data("hello\n".utf8))
        }
    }
}

@Suite("Registry authentication against a real registry", .timeLimit(.minutes(5)))
struct RegistryAuthenticationTests {
    /// bcrypt of "test-password" (cost 5), generated once; docker-registry reads htpasswd bcrypt lines.
    static let htpasswd = "skiff:$2y$05$TF.Xy4cIie3wTe0TeIY6LeFn18GYh6.K2Cq3NTDA90UiSoACEd0bu\n"
    static let credentials = RegistryCredentials(username: "skiff", password: "test-password")

    @Test("a registry demanding Basic auth serves with credentials and refuses without or with wrong ones")
    func basicAuth() async throws {
        try await withImageTestDirectory { directory in
            let registry = try await LocalRegistry.start(authentication: .htpasswd(Self.htpasswd), credentials: Self.credentials)
            do {
                let built = try await OfflineBusyboxImage().writeLayout(to: directory + "/layout")
                try await registry.push(layoutDirectory: directory + "/layout", repository: "private/busybox", tag: "1")
                let store = try OCIImageStore(root: directory + "/store")
                let reference = "\(registry.host)/private/busybox:1"
                await #expect {
                    try await store.pullImage(reference, credentials: nil)
                } throws: { error in
                    if case .unauthorized = error as? ImageError { return true }
                    return false
                }
                await #expect {
                    try await store.pullImage(reference, credentials: RegistryCredentials(username: "skiff", password: "wrong"))
                } throws: { error in
                    if case .unauthorized = error as? ImageError { return true }
                    return false
                }
                let image = try await store.pullImage(reference, credentials: Self.credentials)
                #expect(image.id == built.configDigest)
                await registry.stop()
            } catch {
                await registry.stop()
                throw error
            }
        }
    }
}

@Suite("Bearer-token authentication against a real registry", .timeLimit(.minutes(5)))
struct RegistryTokenAuthenticationTests {
    @Test("a bearer challenge is answered with a token from the realm, and a given token is used as is")
    func bearerToken() async throws {
        try await withImageTestDirectory { directory in
            let fixture = try await TokenAuthFixture(directory: directory, repository: "test/busybox")
            defer { fixture.stop() }
            let registry = try await LocalRegistry.start(
                authentication: .token(realm: fixture.realm, service: fixture.service, issuer: fixture.issuer, rootCertificateBundle: fixture.certificate),
                credentials: RegistryCredentials(bearerToken: fixture.token)
            )
            do {
                let built = try await OfflineBusyboxImage().writeLayout(to: directory + "/layout")
                try await registry.push(layoutDirectory: directory + "/layout", repository: "test/busybox", tag: "1")
                let reference = "\(registry.host)/test/busybox:1"
                let viaChallenge = try await OCIImageStore(root: directory + "/store1").pullImage(reference, credentials: nil)
                #expect(viaChallenge.id == built.configDigest)
                let viaGivenToken = try await OCIImageStore(root: directory + "/store2").pullImage(reference, credentials: RegistryCredentials(bearerToken: fixture.token))
                #expect(viaGivenToken.id == built.configDigest)
                await registry.stop()
            } catch {
                await registry.stop()
                throw error
            }
        }
    }
}
