import SkiffAPI
import Testing
@testable import SkiffAPIServer

/// The `/openapi/v3` content hashes (computed with swift-crypto in the server; SkiffAPI stays free of it).
@Suite("OpenAPI v3 document hashes", .timeLimit(.minutes(5)))
struct OpenAPIHashTests {
    /// The apps/v1 document as the server builds it for its registry.
    var document: JSONValue {
        let resources = ResourceRegistry.builtin().resources(group: "apps", version: "v1").map {
            OpenAPIResource(group: $0.group, version: $0.version, kind: $0.kind, plural: $0.plural, namespaced: $0.namespaced,
                            verbs: $0.verbs, subresources: $0.subresources.map(\.rawValue))
        }
        return OpenAPIBuilder.document(group: "apps", version: "v1", resources: resources)
    }

    @Test("the hash is stable and changes with the document; the index links documents by hash")
    func hashAndIndex() throws {
        let h1 = OpenAPICache.hash(of: document)
        #expect(h1 == OpenAPICache.hash(of: document))
        #expect(h1.count == 64)
        #expect(OpenAPICache.hash(of: .object([:])) != h1)
        let index = OpenAPIBuilder.index([(group: "", version: "v1", hash: "AB"), (group: "apps", version: "v1", hash: h1)])
        #expect(index["paths"]?["api/v1"]?["serverRelativeURL"] == .string("/openapi/v3/api/v1?hash=AB"))
        #expect(index["paths"]?["apis/apps/v1"]?["serverRelativeURL"] == .string("/openapi/v3/apis/apps/v1?hash=\(h1)"))
    }

    @Test("SHA-256 matches the standard test vectors")
    func sha256() {
        #expect(OpenAPICache.hexDigest(Array("abc".utf8)) == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
        #expect(OpenAPICache.hexDigest([]) == "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")
        #expect(OpenAPICache.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1")
    }
}
