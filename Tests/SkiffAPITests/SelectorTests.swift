import Testing
@testable import SkiffAPI

@Suite("Label selectors", .timeLimit(.minutes(5)))
struct LabelSelectorTests {
    let labels = ["app": "web", "tier": "frontend", "version": "3"]

    @Test("equality-based requirements", arguments: [
        ("app=web", true), ("app==web", true), ("app!=web", false), ("app=db", false),
        ("missing!=x", true), ("app=web,tier=frontend", true), ("app=web,tier=backend", false),
        ("app = web , tier = frontend", true),
    ])
    func equality(selector: String, expected: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == expected)
    }

    @Test("set-based requirements", arguments: [
        ("app in (web,db)", true), ("app in (db)", false), ("app notin (db)", true), ("app notin (web, db)", false),
        ("missing notin (x)", true), ("missing in (x)", false), ("app", true), ("!app", false), ("!missing", true),
        ("missing", false), ("version>2", true), ("version<3", false), ("version>5", false),
    ])
    func setBased(selector: String, expected: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == expected)
    }

    @Test("the empty selector matches everything")
    func empty() throws {
        let s = try LabelSelector(parsing: "")
        #expect(s.isEverything)
        #expect(s.matches([:]))
    }

    @Test("malformed selectors are rejected with a message", arguments: [
        "app=web,", "app in web", "app in ()", "=web", "app=we b", "bad key=x", "app>x", "app=(x)", "-app=x",
    ])
    func malformed(selector: String) {
        #expect(throws: SelectorError.self) { try LabelSelector(parsing: selector) }
    }

    @Test("a metav1.LabelSelector converts with matchLabels and matchExpressions")
    func fromJSON() throws {
        let s = try LabelSelector(json: try json("""
        {"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["frontend","edge"]},
         {"key":"legacy","operator":"DoesNotExist"}]}
        """))
        #expect(s.matches(labels))
        #expect(!s.matches(labels.merging(["legacy": "1"]) { a, _ in a }))
        #expect(s.description == "app=web,!legacy,tier in (edge,frontend)")
        #expect(try LabelSelector(json: try json("{}")).isEverything)
        #expect(!(try LabelSelector(json: .null)).matches(labels))
        #expect(throws: SelectorError.self) {
            try LabelSelector(json: try json(#"{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}"#))
        }
        #expect(throws: SelectorError.self) {
            try LabelSelector(json: try json(#"{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}"#))
        }
    }
}

@Suite("Field selectors", .timeLimit(.minutes(5)))
struct FieldSelectorTests {
    let fields = ["metadata.name": "web-1", "metadata.namespace": "default", "spec.nodeName": "node-a", "status.phase": "Running"]

    @Test("terms match with =, == and != and all must hold", arguments: [
        ("metadata.name=web-1", true), ("metadata.name==web-1", true), ("metadata.name!=web-1", false),
        ("spec.nodeName=node-a,status.phase=Running", true), ("spec.nodeName=node-a,status.phase!=Running", false),
        ("spec.nodeName=", false), ("missing=", true), ("", true),
    ])
    func matching(selector: String, expected: Bool) throws {
        #expect(try FieldSelector(parsing: selector).matches(fields) == expected)
    }

    @Test("requirements expose field, operator and unescaped value")
    func requirements() throws {
        let s = try FieldSelector(parsing: #"involvedObject.name=a\,b,type!=Normal"#)
        #expect(s.requirements == [
            FieldSelector.Requirement(field: "involvedObject.name", op: .equals, value: "a,b"),
            FieldSelector.Requirement(field: "type", op: .notEquals, value: "Normal"),
        ])
        #expect(s.requiredValue(for: "involvedObject.name") == "a,b")
        #expect(s.requiredValue(for: "type") == nil)
    }

    @Test("terms without an operator are rejected", arguments: ["metadata.name", "a=b,c", "=x"])
    func malformed(selector: String) {
        #expect(throws: SelectorError.self) { try FieldSelector(parsing: selector) }
    }
}
