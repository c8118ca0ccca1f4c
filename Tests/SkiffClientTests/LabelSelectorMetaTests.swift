import SkiffAPI
import SkiffClient
import Testing

@Suite("LabelSelector from metav1.LabelSelector", .timeLimit(.minutes(1)))
struct LabelSelectorMetaTests {
    @Test("nil matches nothing, an empty selector matches everything")
    func nilAndEmpty() throws {
        #expect(!(try LabelSelector(meta: nil)).matches(["a": "b"]))
        #expect(try LabelSelector(meta: MetaV1.LabelSelector()).matches([:]))
    }

    @Test("matchLabels and matchExpressions are ANDed")
    func combined() throws {
        let meta = MetaV1.LabelSelector(
            matchExpressions: [MetaV1.LabelSelectorRequirement(key: "tier", operator: "In", values: ["web", "api"]),
                               MetaV1.LabelSelectorRequirement(key: "canary", operator: "DoesNotExist")],
            matchLabels: ["app": "shop"])
        let selector = try LabelSelector(meta: meta)
        #expect(selector.matches(["app": "shop", "tier": "web"]))
        #expect(!selector.matches(["app": "shop", "tier": "db"]))
        #expect(!selector.matches(["app": "shop", "tier": "web", "canary": "1"]))
    }

    @Test("a bad operator throws from init(meta:) and matches nothing from the lenient init")
    func badOperator() {
        let meta = MetaV1.LabelSelector(matchExpressions: [MetaV1.LabelSelectorRequirement(key: "a", operator: "Equals", values: ["b"])])
        #expect(throws: InvalidSelector.self) { try LabelSelector(meta: meta) }
        #expect(!LabelSelector(meta).matches(["a": "b"]))
        #expect(!LabelSelector.matches(meta, ["a": "b"]))
    }
}
