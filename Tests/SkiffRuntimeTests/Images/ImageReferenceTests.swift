import Testing
@testable import SkiffRuntime

@Suite("Image reference normalization", .timeLimit(.minutes(5)))
struct ImageReferenceTests {
    @Test("short names get docker.io, library/ and latest", arguments: [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("user/app", "docker.io/user/app:latest"),
        ("index.docker.io/library/nginx:1", "docker.io/library/nginx:1"),
        ("127.0.0.1:5000/test/busybox:1", "127.0.0.1:5000/test/busybox:1"),
        ("localhost/app", "localhost/app:latest"),
        ("registry.example.com:443/a/b/c:v1.0-rc_1", "registry.example.com:443/a/b/c:v1.0-rc_1"),
    ])
    func normalizes(input: String, expected: String) throws {
        #expect(try ImageReference(parsing: input).normalized == expected)
    }

    @Test("a digest reference keeps no default tag")
    func digestReference() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let reference = try ImageReference(parsing: "busybox@" + digest)
        #expect(reference.tag == nil)
        #expect(reference.digest == digest)
        #expect(reference.manifestReference == digest)
        #expect(reference.digestedName == "docker.io/library/busybox@" + digest)
    }

    @Test("malformed references are refused with invalidReference", arguments: [
        "", "Busybox", "busybox:", "busybox@sha256:1234", "a//b", "bad tag", "busybox:-x", "/busybox", "busybox/",
    ])
    func refuses(input: String) {
        #expect(throws: ImageError.invalidReference(input)) { try ImageReference(parsing: input) }
    }
}

@Suite("Registry authentication challenges", .timeLimit(.minutes(5)))
struct AuthenticationChallengeTests {
    @Test("a bearer challenge yields the token URL with service and scope")
    func bearer() throws {
        let header = #"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:library/busybox:pull""#
        let challenge = try #require(AuthenticationChallenge(header: header))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters["service"] == "registry.example.com")
        let url = try #require(challenge.tokenURL(defaultScope: "unused"))
        #expect(url == "https://auth.example.com/token?service=registry.example.com&scope=repository:library/busybox:pull")
    }

    @Test("a basic challenge is recognized and has no token URL")
    func basic() throws {
        let challenge = try #require(AuthenticationChallenge(header: #"Basic realm="Registry Realm""#))
        #expect(challenge.scheme == "basic")
        #expect(challenge.parameters["realm"] == "Registry Realm")
        #expect(challenge.tokenURL(defaultScope: "x") == nil)
    }
}
